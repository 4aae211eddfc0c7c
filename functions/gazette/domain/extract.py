"""Turn fetched bytes (PDF, HTML or plain text) into text for the splitter.

The kind is decided by content type, then magic bytes, then file name, because government
servers often send PDFs as application/octet-stream and HTML error pages under a .pdf name.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import lxml.html
from lxml import etree

if TYPE_CHECKING:
    from pypdf import PdfReader

# pypdf is imported by the first PDF: most entries link HTML pages, and its import is a large part of
# a cold start.

from gazette.domain.charset import decode

MAX_BYTES = 50 * 1024 * 1024


class ExtractionError(ValueError):
    """The input cannot be turned into text (broken, encrypted, too large, not a document)."""


@dataclass(frozen=True, slots=True)
class Extracted:
    text: str
    method: str  # "pdf:pypdf", "html:lxml" or "text"
    title: str | None = None


def extract_text(data: bytes, content_type: str | None = None, filename: str | None = None) -> Extracted:
    """Extract the document text from PDF, HTML or plain-text bytes."""
    if len(data) > MAX_BYTES:
        raise ExtractionError(f"input is {len(data)} bytes, above the {MAX_BYTES} byte limit")
    kind = _detect_kind(data, content_type, filename)
    if kind == "pdf":
        return _extract_pdf(data)
    if kind == "html":
        return _extract_html(data)
    return Extracted(text=_decode_text(data), method="text")


# ---------------------------------------------------------------------------- kind detection

_HTML_SNIFF = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|div|p)\b",
    re.I | re.S,
)


def _is_pdf(data: bytes) -> bool:
    # The header may follow a little junk; readers accept it within the first kilobyte.
    return b"%PDF-" in data[:1024]


def _looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip(codecs.BOM_UTF8)
    return bool(_HTML_SNIFF.match(head))


def _detect_kind(data: bytes, content_type: str | None, filename: str | None) -> str:
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime == "application/pdf" and _is_pdf(data):
        return "pdf"
    if mime in {"text/html", "application/xhtml+xml"}:
        return "pdf" if _is_pdf(data) else "html"
    if mime == "text/plain":
        return "text"
    if _is_pdf(data):
        return "pdf"
    if _looks_like_html(data):
        return "html"
    name = (filename or "").lower()
    if name.endswith((".html", ".htm", ".shtml", ".xhtml", ".jsp", ".asp", ".aspx", ".php")):
        return "html"
    # Named or typed as a PDF without the %PDF header: readable text is still accepted
    # (an error page or a text dump); binary junk is not.
    if (name.endswith(".pdf") or mime == "application/pdf") and b"\x00" in data[:4096]:
        raise ExtractionError("not a PDF: the %PDF header is missing and the bytes are binary")
    return "text"


# ---------------------------------------------------------------------------- PDF


def _extract_pdf(data: bytes) -> Extracted:
    # pypdf silently rebuilds a truncated file and returns part of it; a gazette with missing
    # pages is worse than a clear failure, so demand the end-of-file marker.
    if b"%%EOF" not in data[-8192:]:
        raise ExtractionError("broken PDF: the file is truncated (no %%EOF marker at the end)")
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("encrypted PDF: a password is required to read it")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = _pdf_title(reader)
    except ExtractionError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise ExtractionError(f"broken PDF: {message}") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise ExtractionError("PDF has no extractable text (scanned images need OCR)")
    return Extracted(text=text, method="pdf:pypdf", title=title)


def _pdf_title(reader: PdfReader) -> str | None:
    from pypdf.errors import PyPdfError

    try:
        metadata = reader.metadata
    except (PyPdfError, ValueError, KeyError, TypeError):
        return None
    title = metadata.title if metadata else None
    return (title.strip() or None) if isinstance(title, str) else None


# ---------------------------------------------------------------------------- text decoding

# GBK and GB2312 are subsets of GB18030: reading as GB18030 decodes every byte they can hold.
_WESTERN = re.compile(r"^(?:iso-?8859|latin|l1$|windows-125|cp125|us-ascii|ascii)")
_CHARSET_ALIASES = {"gbk": "gb18030", "gb2312": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030"}


def _decode_bom(data: bytes) -> str | None:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    return None


def _decode_text(data: bytes, declared: str | None = None) -> str:
    """BOM, then strict UTF-8 (it almost never decodes other encodings), then the declared
    charset, then GB18030. A wrong declaration therefore cannot garble a UTF-8 or GBK page."""
    bommed = _decode_bom(data)
    if bommed is not None:
        return bommed
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    encodings = []
    if declared:
        encoding = _CHARSET_ALIASES.get(declared.lower(), declared.lower())
        # Western single-byte charsets decode any bytes, so on Chinese pages a declared latin-1
        # (a common CMS default) is a lie unless the bytes are not valid GB18030.
        encodings = ["gb18030", encoding] if _WESTERN.match(encoding) else [encoding]
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", errors="replace")


# ---------------------------------------------------------------------------- HTML

_DROP_TAGS = (
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
    "template", "svg", "button", "select", "input", "textarea", "object", "embed",
)  # fmt: skip
_BOILERPLATE = re.compile(
    r"(?:^|[\s_\-])(?:nav|navbar|menu|footer|foot|breadcrumbs?|crumbs?|sidebar|share|copyright|toolbar"
    r"|topbar|skip|banner|bottom|related|comment|login|search)(?:$|[\s_\-])",
    re.I,
)
_CONTENT_XPATHS = (
    "//*[@id='UCAP-CONTENT']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' pages_content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[@id='zoom']",
    "//article",
    "//main",
    "//*[@role='main']",
)
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table"}
    | {"section", "article", "blockquote", "pre", "dd", "dt", "dl", "center"}
)
_MIN_CONTENT_CHARS = 50
_BOILERPLATE_SHARE = 0.4


def _extract_html(data: bytes) -> Extracted:
    markup = decode(data, None, kind="html").text  # BOM, meta charset, then what the bytes read as
    # lxml refuses str input that carries an XML encoding declaration.
    markup = re.sub(r"^\s*<\?xml[^>]*>", "", markup)
    try:
        root = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"unreadable HTML: {exc}") from exc
    title = _html_title(root)
    _drop_boilerplate(root)
    text = _block_text(_main_element(root))
    if title and title not in text[:300]:
        # The content block often omits the headline; the splitter takes the first line as title.
        text = f"{title}\n{text}"
    return Extracted(text=text, method="html:lxml", title=title)


def _clean(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").replace("\u3000", " ").split())


def _html_title(root: lxml.html.HtmlElement) -> str | None:
    for xpath in ("//meta[@name='ArticleTitle']/@content", "//meta[@property='og:title']/@content"):
        found = root.xpath(xpath)
        if found and _clean(str(found[0])):
            return _clean(str(found[0]))
    for heading in root.xpath("//h1"):
        text = _clean(heading.text_content())
        if text:
            return text
    titles = root.xpath("//title")
    if titles:
        text = _clean(titles[0].text_content())
        # `标题_中国政府网` / `标题 - 站点`: keep the part before the site name.
        first = re.split(r"\s*(?:_|\||｜| - | — )\s*", text)[0]
        return (first if len(first) >= 4 else text) or None
    return None


def _drop_boilerplate(root: lxml.html.HtmlElement) -> None:
    for element in root.xpath("//" + " | //".join(_DROP_TAGS)):
        element.drop_tree()
    page_size = len(_clean(root.text_content())) or 1
    for element in root.xpath("//*[@class or @id]"):
        marker = f"{element.get('class', '')} {element.get('id', '')}"
        if element.tag in {"html", "body"} or not _BOILERPLATE.search(marker):
            continue
        # A wrapper named like `main-nav-wrapper` may hold the whole page: only drop small parts.
        if len(_clean(element.text_content())) < _BOILERPLATE_SHARE * page_size:
            element.drop_tree()
    for comment in root.xpath("//comment()"):
        comment.drop_tree()


def _main_element(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    for xpath in _CONTENT_XPATHS:
        found = [
            element
            for element in root.xpath(xpath)
            if len(_clean(element.text_content())) >= _MIN_CONTENT_CHARS
        ]
        if found:
            return max(found, key=lambda element: len(element.text_content()))
    return _largest_text_block(root)


def _largest_text_block(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The element whose own paragraphs (not links, not nested containers) hold the most text."""
    best, best_size = root, 0
    for element in root.iter("div", "section", "td", "body"):
        size = len(_clean(element.text or ""))
        for child in element:
            if child.tag in {"p", "br", "span", "font", "strong", "b", "h2", "h3"}:
                size += len(_clean(child.text_content()))
            size += len(_clean(child.tail or ""))
        if size > best_size:
            best, best_size = element, size
    return best


def _block_text(element: lxml.html.HtmlElement) -> str:
    """Text with a line break at every block boundary and <br>; paragraphs stay paragraphs."""
    parts: list[str] = []

    def walk(node: lxml.html.HtmlElement) -> None:
        block = node.tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(element)
    lines = (_clean(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)
