"""Feed reading: bytes (plus response headers) in, a ``ParsedFeed`` of ``FeedEntry`` out.

RSS 0.9x/1.0/2.0 and Atom go through feedparser; JSON Feed 1.x is read here. No I/O.

Character encoding is decided before feedparser sees the bytes (``gazette.domain.charset``: BOM, HTTP
charset, XML declaration, then detection; bytes that decode cleanly as UTF-8 or as Chinese beat a
declaration that would give mojibake), then the document is handed to feedparser as UTF-8 with its
declaration rewritten. Any override of a declaration is recorded in ``bozo_reason``.

Entity safety: feedparser's SAX parser does not fetch external entities and expat caps entity
amplification, but feedparser's fallback (loose) parser expands "safe" internal entities with no size
limit, so a feed with one 10 kB entity referenced 10,000 times ("quadratic blowup") costs hundreds of
megabytes. Before parsing, an internal DTD subset that declares entities is rewritten to keep only
small, non-recursive, non-external general entities (a character reference or at most 8 plain
characters, at most 64 of them); everything else in it is dropped and the feed marked bozo.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
from feedparser.datetimes import _parse_date as _fp_parse_date

from gazette.domain.charset import content_type, decode

__all__ = [
    "FeedEntry",
    "FeedParseError",
    "ParsedFeed",
    "canonical_link",
    "entry_identity",
    "parse_feed",
]


class FeedParseError(ValueError):
    """The bytes are not a feed at all (empty, HTML page, binary, JSON that is not a JSON Feed)."""


@dataclass(frozen=True, slots=True)
class FeedEntry:
    entry_id: str  # stable identity, see entry_identity()
    guid: str | None
    title: str
    link: str | None
    published: datetime | None  # UTC
    updated: datetime | None  # UTC
    summary: str  # raw, as published: may contain HTML (unsanitised: sanitise where rendered)
    content: str | None
    author: str | None
    categories: tuple[str, ...] = ()
    date_only: bool = False  # the source gave a day without a time: ``published`` is 00:00 UTC of it
    doc_number: str | None = None  # the document's number (文号), where a list states it
    issuer: str | None = None  # the document's issuer, where a list states it


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    entries: list[FeedEntry]
    encoding: str  # Python codec name actually used, e.g. "utf-8", "gb18030", "big5hkscs"
    bozo: bool
    bozo_reason: str | None
    version: str  # feedparser's version ("rss20", "atom10", "rss10", ...) or "json1" / "json11"
    link: str | None = None


# ----------------------------------------------------------------------------- identity

_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "yclid", "igshid"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_link(link: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no utm_*/click-id params, sorted query."""
    parts = urlsplit(link.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    port = parts.port if parts.port and parts.port != _DEFAULT_PORTS.get(scheme) else None
    netloc = f"[{host}]" if ":" in host else host
    if port:
        netloc += f":{port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS
    )
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _normalise_title(title: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", title or "").split()).casefold()


def entry_identity(
    feed_id_or_url: str,
    guid: str | None,
    link: str | None,
    title: str | None,
    published: datetime | None,
) -> str:
    """A short, DynamoDB-key-safe, stable identity for a feed entry: ``<kind>:<32 hex>``.

    - ``g:`` the guid (stripped). A guid that looks globally unique (a URL, URN or tag: URI, i.e. it
      contains ':') is used alone; a bare one such as ``12345`` is scoped to the feed, so two feeds
      numbering their items alike never collide.
    - ``l:`` else the canonical link (see canonical_link; http and https fold together so a site's
      move to https does not make every entry new). A relative link is scoped to the feed.
    - ``h:`` else sha256 of feed + NFKC-normalised, whitespace-collapsed title + UTC date (YYYY-MM-DD).

    With a guid or link the identity survives reordering and republishing with a new date. Pass the
    feed's stable id rather than its URL when there is one: feed-scoped identities then survive a move.
    """
    feed = (feed_id_or_url or "").strip()
    if guid and guid.strip():
        g = guid.strip()
        return "g:" + (_digest("guid", g) if ":" in g else _digest("guid", feed, g))
    if link and link.strip():
        canon = canonical_link(link)
        if canon.startswith(("http://", "https://")):
            return "l:" + _digest("link", canon.split(":", 1)[1])
        return "l:" + _digest("link", feed, link.strip())
    day = published.astimezone(UTC).strftime("%Y-%m-%d") if published else ""
    return "h:" + _digest("title", feed, _normalise_title(title), day)


# ----------------------------------------------------------------------------- encodings

_XML_DECL_TEXT = re.compile(r"^<\?xml[^>]*\?>")
_HTML_START = re.compile(r"(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)


# ----------------------------------------------------------------------------- entity defusing

_PROLOG_TOKEN = re.compile(r"<!--.*?-->|<\?.*?\?>|<[A-Za-z_:]", re.S)
_DOCTYPE_START = re.compile(r"<!DOCTYPE", re.I)
_ENTITY_DECL_ANY = re.compile(r"<!ENTITY", re.I)
_DOCTYPE = re.compile(
    r"""<!DOCTYPE\s+(?P<name>[^\s\[>]+)(?P<ext>(?:\s+(?:"[^"]*"|'[^']*'|[A-Za-z]+))*)\s*"""
    r"""(?:\[(?P<subset>(?:[^\]"'<]|"[^"]*"|'[^']*'|<!--.*?-->|<(?!!--)[^"'>]*(?:(?:"[^"]*"|'[^']*')[^"'>]*)*>)*)\])?"""
    r"""\s*>""",
    re.S | re.I,
)
_ENTITY_DECL = re.compile(r"<!ENTITY\s+(?P<pe>%\s+)?(?P<name>[^\s%\"'>]+)\s+(?P<rest>[^>]*)>", re.S)
_SAFE_VALUE = re.compile(r"""^(["'])(&#[0-9]{1,7};|&#x[0-9A-Fa-f]{1,6};|[^&%<"']{0,8})\1\s*$""")
_MAX_SAFE_ENTITIES = 64


def _defuse_entities(text: str) -> tuple[str, str | None]:
    """Rewrite a DOCTYPE that declares entities to keep only small safe ones. Returns (text, note)."""
    root = len(text)
    for m in _PROLOG_TOKEN.finditer(text):
        if not m.group().startswith(("<!--", "<?")):
            root = m.start()
            break
    prolog = text[:root]
    if not _ENTITY_DECL_ANY.search(prolog):
        return text, None
    start_m = _DOCTYPE_START.search(prolog)
    kept: list[str] = []
    dropped = 0
    if start_m:
        m = _DOCTYPE.match(prolog, start_m.start())
        if m:
            for decl in _ENTITY_DECL.finditer(m.group("subset") or ""):
                unsafe = decl.group("pe") or not _SAFE_VALUE.match(decl.group("rest"))
                if unsafe or len(kept) >= _MAX_SAFE_ENTITIES:
                    dropped += 1
                else:
                    kept.append(f"<!ENTITY {decl.group('name')} {decl.group('rest').strip()}>")
            head = prolog[: start_m.start()]
            tail = prolog[m.end() :]
            subset = ("[\n" + "\n".join(kept) + "\n]") if kept else ""
            doctype = f"<!DOCTYPE {m.group('name')}{m.group('ext')} {subset}>"
        else:  # malformed DOCTYPE: drop everything from it to the root element
            dropped = len(_ENTITY_DECL_ANY.findall(prolog))
            head, tail, doctype = prolog[: start_m.start()], "", ""
        tail, stray = _ENTITY_DECL_ANY.subn("", tail)  # entity declarations outside any DOCTYPE
        dropped += stray
    else:
        head, doctype = "", ""
        tail = re.sub(r"<!ENTITY[^>]*>", "", prolog, flags=re.I)
        dropped = len(_ENTITY_DECL_ANY.findall(prolog))
    if not dropped:
        return text, None
    return head + doctype + tail + text[root:], f"removed {dropped} unsafe or excess entity declaration(s)"


# ----------------------------------------------------------------------------- parsing


def _to_utc(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _parse_date(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        return _to_utc(_fp_parse_date(text))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _looks_like_json(body: bytes, mime: str) -> bool:
    return (
        mime in ("application/feed+json", "application/json")
        or body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"
    )


def _parse_json_feed(body: bytes, mime: str, feed_key: str, feed_url: str) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        if mime == "application/feed+json":
            raise FeedParseError(_one_line(f"invalid JSON Feed: {exc}")) from None
        raise FeedParseError(_one_line(f"not a feed: JSON body does not parse ({exc})")) from None
    version = data.get("version") if isinstance(data, dict) else None
    if not (isinstance(version, str) and "jsonfeed.org" in version):
        raise FeedParseError("not a feed: JSON document without a jsonfeed.org version")
    items = data.get("items")
    if not isinstance(items, list):
        raise FeedParseError("not a feed: JSON Feed without an items list")
    base = feed_url or data.get("feed_url")
    base = base if isinstance(base, str) else ""
    entries: list[FeedEntry] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        guid = item.get("id")
        guid = str(guid).strip() if guid is not None and str(guid).strip() else None
        link = item.get("url") or item.get("external_url")
        link = urljoin(base, link) if isinstance(link, str) and link.strip() else None
        title = item.get("title") if isinstance(item.get("title"), str) else ""
        published, updated = _parse_date(item.get("date_published")), _parse_date(item.get("date_modified"))
        content = item.get("content_html") or item.get("content_text")
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        author = next((a.get("name") for a in authors if isinstance(a, dict) and a.get("name")), None)
        tags = tuple(str(t) for t in item.get("tags") or () if isinstance(t, str | int | float))
        summary = item.get("summary") if isinstance(item.get("summary"), str) else ""
        entries.append(
            FeedEntry(
                entry_id=entry_identity(feed_key, guid, link, title, published or updated),
                guid=guid,
                title=title,
                link=link,
                published=published,
                updated=updated,
                summary=summary,
                content=content if isinstance(content, str) else None,
                author=author,
                categories=tags,
            )
        )
    ver = "json11" if version.rstrip("/").endswith("1.1") else "json1"
    title = data.get("title") if isinstance(data.get("title"), str) else ""
    home = data.get("home_page_url") if isinstance(data.get("home_page_url"), str) else None
    return ParsedFeed(
        title=title, entries=entries, encoding="utf-8", bozo=False, bozo_reason=None, version=ver, link=home
    )


def _entry_from(e: Any, feed_key: str) -> FeedEntry:
    guid = e.get("id")
    guid = guid.strip() if isinstance(guid, str) and guid.strip() else None
    link = e.get("link") or None
    title = e.get("title") or ""
    # dict.get: FeedParserDict.get("updated_parsed") falls back to published_parsed (issue 310).
    published, updated = _to_utc(dict.get(e, "published_parsed")), _to_utc(dict.get(e, "updated_parsed"))
    contents = e.get("content") or []
    content = None
    if contents:
        html = [c for c in contents if "html" in (c.get("type") or "")]
        content = (html or contents)[0].get("value")
    categories = tuple(t.get("term") for t in e.get("tags") or () if t.get("term"))
    return FeedEntry(
        entry_id=entry_identity(feed_key, guid, link, title, published or updated),
        guid=guid,
        title=title,
        link=link,
        published=published,
        updated=updated,
        summary=e.get("summary") or "",
        content=content,
        author=e.get("author") or None,
        categories=categories,
    )


def parse_feed(
    body: bytes,
    headers: dict[str, str] | None = None,
    *,
    feed_url: str = "",
    feed_key: str | None = None,
) -> ParsedFeed:
    """Parse RSS, Atom, RDF or JSON Feed bytes. ``headers`` are the HTTP response headers (any case).

    ``feed_url`` resolves relative links; ``feed_key`` (default: ``feed_url``) scopes entry identities.
    A malformed (bozo) feed keeps every entry feedparser recovered, with the reason in
    ``bozo_reason``. Raises FeedParseError (one-line message) when the bytes are not a feed at all.
    """
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError("parse_feed takes the response body as bytes")
    body = bytes(body)
    hdrs = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    key = feed_key if feed_key is not None else feed_url
    if not body.strip():
        raise FeedParseError("not a feed: empty body")
    mime, _ = content_type(hdrs)
    if _looks_like_json(body, mime):
        return _parse_json_feed(body, mime, key, feed_url)

    decoded = decode(body, hdrs, kind="xml")
    notes = list(decoded.notes)
    text = decoded.text.lstrip("\ufeff \t\r\n")
    looks_html = bool(_HTML_START.match(text[:4096]))
    text, defused = _defuse_entities(text)
    if defused:
        notes.append(defused)
    if _XML_DECL_TEXT.match(text):
        text = _XML_DECL_TEXT.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1)
    else:
        text = '<?xml version="1.0" encoding="utf-8"?>\n' + text
    fp_headers = {"content-type": f"{mime or 'application/xml'}; charset=utf-8"}
    if feed_url:
        fp_headers["content-location"] = feed_url
    if "content-language" in hdrs:
        fp_headers["content-language"] = hdrs["content-language"]

    # A BytesIO, never bytes or str: feedparser treats a bytes/str argument as a possible file path.
    # sanitize_html/resolve_relative_uris off: summaries and content stay as published (sanitise with
    # nh3 where they are rendered). feedparser's HTML post-processing is also its slowest part, and on
    # Python >= 3.10 it crashes (AssertionError from _markupbase) on content such as "<!DOCTYPE ~".
    try:
        result = feedparser.parse(
            io.BytesIO(text.encode("utf-8", "replace")),
            response_headers=fp_headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # untrusted input must not crash the caller with a parser bug
        raise FeedParseError(_one_line(f"feed parser failed: {type(exc).__name__}: {exc}")) from None
    entries = [_entry_from(e, key) for e in result.get("entries", [])]
    version = result.get("version") or ""
    exc = result.get("bozo_exception")
    if isinstance(exc, feedparser.NonXMLContentType):  # name the header the server sent, not ours
        sent = hdrs.get("content-type") or "(no content-type)"
        notes.insert(0, f"NonXMLContentType: {sent} is not an XML media type")
    elif exc is not None:
        notes.insert(0, f"{type(exc).__name__}: {exc}")
    if not entries and not version:
        reason = notes[0] if notes else "no feed elements found"
        what = "an HTML page" if looks_html else "no RSS, Atom or RDF feed found"
        raise FeedParseError(_one_line(f"not a feed: {what} ({reason})"))
    feed = result.get("feed", {})
    return ParsedFeed(
        title=feed.get("title") or "",
        entries=entries,
        encoding=decoded.encoding,
        bozo=bool(result.get("bozo")) or bool(notes),
        bozo_reason=_one_line("; ".join(notes)) if notes else None,
        version=version,
        link=feed.get("link") or None,
    )
