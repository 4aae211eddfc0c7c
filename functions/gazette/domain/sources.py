"""Items of a source: a fetched body (plus headers) in, a ``ParsedFeed`` of ``FeedEntry`` out. No I/O.

One step for every source type, so what follows (newness, claims, ingest) stays one path:

- ``feed``: RSS, Atom, RDF or JSON Feed, read by ``parse_feed``.
- ``html_list``: the page is decoded (``gazette.domain.charset``), parsed by lxml, and each element
  the ``item`` selector (CSS, or ``xpath:``) matches gives one item: ``fields.title``/``link``/``date``
  each select inside the item (no selector: the item itself) and read an attribute or the element's
  text. Links are made absolute against the page's ``<base href>`` or its URL; with ``link_pattern``
  only items whose link matches are kept, which is how a page's navigation links are dropped.
  ``unwrap_cdata`` first opens Hanweb JCMS lists, whose records sit as CDATA inside
  ``<script type="text/xml">`` and are invisible to an HTML parser.
- ``json_list``: ``items`` is a JMESPath expression for the array of items, the fields are JMESPath
  expressions inside an item.

Besides ``title``, ``link`` and ``date``, ``fields.number`` and ``fields.issuer`` read the document's
number (文号) and issuer where the list states them (Shenzhen's gazette does, per article); they go
with the entry to ingest, which keeps them where the document's own page does not say otherwise.

Dates: an ISO time with a zone is taken as is; a time without one is in ``DEFAULT_ZONE`` (+08:00,
where most sources are) unless the registry gives a format that says otherwise. A bare date (no
time) becomes 00:00 UTC of that calendar day with ``FeedEntry.date_only`` set, so every consumer
that reads the date in UTC sees the day the source printed.

An item's identity is its normalised absolute link (http and https alike, no fragment), else a
hash of its title and date (``entry_identity``). A list whose selectors match nothing raises
``SourceLayoutError``: the page is there but its layout is not what the registry describes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

from gazette.domain.charset import decode
from gazette.domain.feeds import FeedEntry, FeedParseError, ParsedFeed, entry_identity, parse_feed
from gazette.domain.registry import FIELD_NAMES, FieldSpec, SourceSpec
from gazette.domain.selectors import compile_html_selector, compile_jmespath, compile_pattern

__all__ = ["DEFAULT_ZONE", "SourceLayoutError", "extract_items", "parse_item_date"]

DEFAULT_ZONE = timezone(timedelta(hours=8))
LAYOUT_MESSAGE = "0 items: the page layout may have changed"


class SourceLayoutError(ValueError):
    """A list source's selectors matched nothing: the source is broken, not quiet."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(LAYOUT_MESSAGE + (f" ({detail})" if detail else ""))


def extract_items(
    spec: SourceSpec,
    body: bytes,
    headers: Mapping[str, str] | None,
    page_url: str,
    *,
    feed_key: str | None = None,
) -> ParsedFeed:
    """The items of one fetched body, in page order, each once.

    ``feed_key`` scopes identities that are not global (default: ``page_url``), as in ``parse_feed``.
    Raises FeedParseError when the body cannot be read at all (empty, not JSON, not a feed) and
    SourceLayoutError when a list source yields no item.
    """
    hdrs = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    key = feed_key if feed_key is not None else page_url
    if spec.type == "feed":
        return parse_feed(body, hdrs, feed_url=page_url, feed_key=key)
    if not body.strip():
        raise FeedParseError("not a list: empty body")
    if spec.type == "html_list":
        return _html_items(spec, body, hdrs, page_url, key)
    return _json_items(spec, body, hdrs, page_url, key)


# ----------------------------------------------------------------------------- HTML lists

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
_XML_SCRIPT = re.compile(r"""<script\b[^>]*\btype\s*=\s*["']?text/xml["']?[^>]*>(.*?)</script\s*>""", re.I | re.S)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_TITLE_SITE = re.compile(r"\s*(?:_|\||｜| - | — )\s*")


def _unwrap_cdata(markup: str) -> str:
    """Hanweb JCMS: the records inside ``<script type="text/xml">`` become ordinary markup."""
    return _XML_SCRIPT.sub(lambda m: _CDATA.sub(lambda c: c.group(1), m.group(1)), markup)


def _clean(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").replace("\u3000", " ").split())


def _html_value(element: Any, field: FieldSpec | None) -> str | None:
    if field is None:
        return None
    found: Any = element
    if field.selector is not None:
        matches = compile_html_selector(field.selector)(element)
        if not matches:
            return None
        found = matches[0]
    if isinstance(found, str):  # an XPath that selects an attribute or text
        return _clean(found) or None
    if field.attr is not None:
        value = found.get(field.attr)
        return _clean(value) if value and _clean(value) else None
    return _clean(found.text_content()) or None


def _html_items(spec: SourceSpec, body: bytes, hdrs: dict[str, str], page_url: str, key: str) -> ParsedFeed:
    import lxml.html
    from lxml import etree

    decoded = decode(body, hdrs, kind="html", encoding=spec.encoding)
    markup = _XML_DECL.sub("", decoded.text, count=1)
    if spec.unwrap_cdata:
        markup = _unwrap_cdata(markup)
    try:
        root = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError) as exc:
        raise FeedParseError(f"not a list: unreadable HTML ({exc})") from None
    base = page_url
    for href in root.xpath("//base/@href")[:1]:
        base = urljoin(page_url, str(href).strip())
    fields = spec.list_fields()
    elements = [e for e in compile_html_selector(spec.item)(root) if not isinstance(e, str)]
    if not elements:
        raise SourceLayoutError(f"nothing matches item {spec.item!r}")
    raw = [tuple(_html_value(e, getattr(fields, name)) for name in FIELD_NAMES) for e in elements]
    entries = _entries(spec, raw, base, key)
    titles = root.xpath("//title")
    title = _clean(titles[0].text_content()) if titles else ""
    return ParsedFeed(
        title=title,
        entries=entries,
        encoding=decoded.encoding,
        bozo=bool(decoded.notes),
        bozo_reason="; ".join(decoded.notes) or None,
        version="html_list",
        link=page_url,
    )


# ----------------------------------------------------------------------------- JSON lists


def _json_scalar(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = _clean(str(value))
    return text or None


def _json_items(spec: SourceSpec, body: bytes, hdrs: dict[str, str], page_url: str, key: str) -> ParsedFeed:
    decoded = decode(body, hdrs, kind="text", encoding=spec.encoding)
    try:
        data = json.loads(decoded.text)
    except (ValueError, RecursionError) as exc:
        raise FeedParseError(" ".join(f"not a list: JSON body does not parse ({exc})".split())) from None
    found = compile_jmespath(spec.items).search(data)
    if not isinstance(found, list) or not found:
        raise SourceLayoutError(f"items {spec.items!r} gives {type(found).__name__ if found else 'nothing'}")
    fields = spec.list_fields()

    def value(item: Any, field: FieldSpec | None) -> str | None:
        if field is None or field.selector is None:
            return None
        return _json_scalar(compile_jmespath(field.selector).search(item))

    raw = [tuple(value(i, getattr(fields, name)) for name in FIELD_NAMES) for i in found]
    entries = _entries(spec, raw, page_url, key)
    return ParsedFeed(
        title="",
        entries=entries,
        encoding=decoded.encoding,
        bozo=bool(decoded.notes),
        bozo_reason="; ".join(decoded.notes) or None,
        version="json_list",
        link=page_url,
    )


# ----------------------------------------------------------------------------- items


def _absolute(link: str | None, base: str) -> str | None:
    if not link:
        return None
    absolute = urljoin(base, link.strip())
    parts = urlsplit(absolute)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None  # javascript:, mailto:, a bare "#"
    return absolute


def _entries(spec: SourceSpec, raw: list[tuple[str | None, ...]], base: str, key: str) -> list[FeedEntry]:
    """One entry per distinct identity, in page order; ``raw`` holds each item's FIELD_NAMES values."""
    fields = spec.list_fields()
    date_format = fields.date.format if fields.date else None
    pattern = compile_pattern(spec.link_pattern) if spec.link_pattern else None
    entries: dict[str, FeedEntry] = {}
    for title, link, date_text, number, issuer in raw:
        absolute = _absolute(link, base)
        if pattern is not None and (absolute is None or not pattern.search(absolute)):
            continue
        if not title and not absolute:
            continue
        parsed = parse_item_date(date_text, date_format)
        published, date_only = parsed if parsed else (None, False)
        entry_id = entry_identity(key, None, absolute, title, published)
        entries.setdefault(entry_id, FeedEntry(
            entry_id=entry_id, guid=None, title=title or "", link=absolute, published=published, updated=None,
            summary="", content=None, author=None, date_only=date_only, doc_number=number, issuer=issuer,
        ))
    if not entries:
        raise SourceLayoutError(
            f"{len(raw)} matched, none with a link matching {spec.link_pattern!r}" if pattern and raw else None
        )
    return list(entries.values())


_DATE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?:\s*日)?"
    r"(?:\s*T?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\.\d+)?)?"
    r"\s*(?P<z>Z|[+-]\d{2}:?\d{2})?"
)


def parse_item_date(text: str | None, date_format: str | None = None) -> tuple[datetime, bool] | None:
    """(UTC datetime, date only?) of a list's date text, or None when there is none or it does not read.

    With ``date_format`` (strptime) the text must match it; else the first date in the text is read
    (``2024-01-02``, ``2024/1/2``, ``2024年1月2日``, optionally with a time and a zone) or a Unix time
    in seconds or milliseconds. See the module docstring for zones and bare dates.
    """
    if not text:
        return None
    text = text.strip()
    if date_format:
        try:
            value = datetime.strptime(text, date_format)
        except ValueError:
            return None
        with_time = any(code in date_format for code in ("%H", "%I", "%M", "%S", "%c", "%X", "%s"))
        return _settle(value, with_time)
    if re.fullmatch(r"\d{10}|\d{13}", text):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        return datetime.fromtimestamp(seconds, tz=UTC), False
    m = _DATE.search(text)
    if not m:
        return None
    try:
        value = datetime(int(m["y"]), int(m["m"]), int(m["d"]), int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0))
    except ValueError:
        return None
    if m["z"]:
        zone = m["z"]
        value = value.replace(tzinfo=UTC if zone == "Z" else datetime.strptime(zone.replace(":", ""), "%z").tzinfo)
    return _settle(value, m["H"] is not None)


def _settle(value: datetime, with_time: bool) -> tuple[datetime, bool]:
    if not with_time and value.tzinfo is None:
        return value.replace(tzinfo=UTC), True
    if value.tzinfo is None:
        value = value.replace(tzinfo=DEFAULT_ZONE)
    return value.astimezone(UTC), False
