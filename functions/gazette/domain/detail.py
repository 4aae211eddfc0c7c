"""A document page's own metadata: number, issuer, dates and title, as the page states them. No I/O.

Two places, both what Chinese government sites publish on a document's page:

- meta tags of the CMS (``ArticleTitle``, ``PubDate``, ``ContentSource``), as on gov.cn and Hanweb
  JCMS article pages;
- the page's information rows, a label then its value: ``<td><b>发文字号：</b></td><td>国办发〔2020〕50号
  </td>`` on gov.cn's policy pages, ``<td class="t">文件编号</td><td>…</td>`` on other CMSs, or the
  value after the colon in the same element. Labels are matched whole (spaces ignored), the first
  row of the most specific label wins (发文字号 before 文号 before 文件编号), and a placeholder such as
  ``— —`` is no value.

What the page states beats what the splitter guessed from the text: ingest applies it to a page
that holds one document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from gazette.domain.charset import decode
from gazette.domain.model import SplitDocument

__all__ = ["PageMetadata", "page_metadata", "with_page_metadata"]


@dataclass(frozen=True, slots=True)
class PageMetadata:
    title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    written: date | None = None  # 成文日期 (the document's own date)
    published: date | None = None  # 发布日期 / PubDate (when the site published it)

    def is_empty(self) -> bool:
        return not any((self.title, self.doc_number, self.issuer, self.written, self.published))


# Row labels per field, most specific first.
_LABELS: dict[str, tuple[str, ...]] = {
    "doc_number": ("发文字号", "文号", "文件编号"),
    "issuer": ("发文机关", "发布机构", "发文单位", "制发机关"),
    "written": ("成文日期", "发文日期"),
    "published": ("发布日期", "公开日期"),
}
_LABEL = re.compile(
    "^(" + "|".join(sorted({label for labels in _LABELS.values() for label in labels}, key=len, reverse=True))
    + r")(?:[:：](.*))?$"
)
_FIELD_OF = {label: (name, rank) for name, labels in _LABELS.items() for rank, label in enumerate(labels)}
_VALUE = re.compile(r"[\w\u4e00-\u9fff]")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_META = {"articletitle": "title", "pubdate": "published", "contentsource": "issuer"}


def _clean(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").replace("\u3000", " ").split())


def _day(text: str | None) -> date | None:
    m = _DATE.search(text or "")
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def page_metadata(body: bytes, headers: dict[str, str] | None = None) -> PageMetadata:
    """What an HTML document page says about its document; empty when it says nothing."""
    import lxml.html
    from lxml import etree

    text = re.sub(r"^\s*<\?xml[^>]*>", "", decode(body, headers, kind="html").text, count=1)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return PageMetadata()
    meta: dict[str, str] = {}
    for element in root.iter("meta"):
        name = _META.get((element.get("name") or "").strip().lower())
        content = _clean(element.get("content") or "")
        if name and content and name not in meta:
            meta[name] = content
    for element in root.xpath("//script | //style"):
        element.drop_tree()
    for comment in root.xpath("//comment()"):
        comment.drop_tree()  # keeps its tail: CMSs wrap values in template comments
    rows = _rows([_clean(t) for t in root.itertext()])
    return PageMetadata(
        title=meta.get("title"),
        doc_number=rows.get("doc_number"),
        issuer=rows.get("issuer") or meta.get("issuer"),
        written=_day(rows.get("written")),
        published=_day(rows.get("published")) or _day(meta.get("published")),
    )


def _rows(tokens: list[str]) -> dict[str, str]:
    tokens = [t for t in tokens if t]
    found: dict[str, tuple[int, str]] = {}
    for index, token in enumerate(tokens):
        m = _LABEL.match(re.sub(r"\s+", "", token)) if len(token) <= 120 else None
        if not m:
            continue
        name, rank = _FIELD_OF[m[1]]
        value = m[2] or (tokens[index + 1] if index + 1 < len(tokens) else "")
        if not m[2] and _LABEL.match(re.sub(r"\s+", "", value)):
            continue  # an empty row: the next token is the next label
        value = _clean(value).lstrip(":：").strip()
        if not value or not _VALUE.search(value) or len(value) > 100:
            continue
        if name not in found or rank < found[name][0]:
            found[name] = (rank, value)
    return {name: value for name, (_, value) in found.items()}


def with_page_metadata(doc: SplitDocument, stated: PageMetadata) -> SplitDocument:
    """``doc`` as the splitter cut it, corrected by what its page states: the page's title, number,
    issuer and 成文日期 beat the splitter's guesses; the page's publication date only fills in when
    neither the page nor the text gives a 成文日期 (``SplitDocument.published`` is the 成文日期)."""
    if stated.is_empty():
        return doc
    return SplitDocument(
        title=stated.title or doc.title,
        text=doc.text,
        doc_number=stated.doc_number or doc.doc_number,
        issuer=stated.issuer or doc.issuer,
        published=stated.written or doc.published or stated.published,
    )
