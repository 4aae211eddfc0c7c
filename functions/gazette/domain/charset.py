"""Bytes to text for feeds and pages: one decision, used by feed parsing and list extraction.

The rules, in order:

1. A byte-order mark (or, for XML, the UTF-16/UTF-32/EBCDIC ``<?xm`` pattern) decides.
2. Pure ASCII is ASCII whatever was declared.
3. Bytes that are valid UTF-8 and contain non-ASCII text are UTF-8, whatever was declared: legacy
   CJK or Latin text is practically never valid UTF-8, while "declared gb2312 / ISO-8859-1 but really
   UTF-8" is a common server and template mistake.
4. The declarations are tried strictly: the HTTP charset, then the document's own (the XML
   declaration of a feed; ``<meta charset>`` or ``http-equiv`` of a page), the document's first when
   HTTP only says a Latin-1 family default. GB2312/GBK are read as GB18030, Big5 as Big5-HKSCS,
   Shift_JIS as cp932, ISO-8859-1/ASCII as windows-1252 (as browsers do).
   A single-byte Western declaration decodes any bytes, so it proves nothing: when the bytes also
   decode strictly as a CJK encoding into text that reads as Chinese (see ``_reads_as_cjk``), the
   bytes win and the Western reading, which would be mojibake, is not used.
5. Detection when nothing declared decodes cleanly: GB18030, Big5-HKSCS, cp932, cp949, windows-1252
   are tried strictly and the one that reads best (fewest control / private-use / replacement
   characters, then CJK plausibility) wins; as a last resort the least damaged lossy decoding.

Every override of a declaration is noted in ``Decoded.notes`` (feeds put them in ``bozo_reason``).
No I/O; no detector library: the candidates above are what the sources we read use, and strict
decoding plus the plausibility check separates them.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Decoded", "codec_for", "content_type", "decode"]

Kind = Literal["xml", "html", "text"]

_LABELS = {
    # Chinese (simplified): GB2312 and GBK are subsets of GB18030.
    **dict.fromkeys(
        [
            "gb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "euccn", "gb_2312-80",
            "csgb2312", "chinese", "iso-ir-58", "gb18030", "gb-18030",
        ],
        "gb18030",
    ),
    **dict.fromkeys(
        ["big5", "big-5", "cn-big5", "x-x-big5", "csbig5", "big5-hkscs", "big5hkscs"], "big5hkscs"
    ),
    **dict.fromkeys(
        [
            "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j", "cp932",
            "ms932",
        ],
        "cp932",
    ),
    **dict.fromkeys(["euc-kr", "ks_c_5601-1987", "cseuckr", "windows-949", "cp949"], "cp949"),
    # WHATWG: these labels all mean windows-1252.
    **dict.fromkeys(
        [
            "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "ansi_x3.4-1968",
            "windows-1252", "cp1252", "x-cp1252", "cp819", "ibm819",
        ],
        "cp1252",
    ),
    **dict.fromkeys(["utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8"], "utf-8"),
}  # fmt: skip
_ASCII_SUPERSETS = frozenset({"utf-8", "gb18030", "big5hkscs", "cp932", "cp949", "cp1252"})
_CJK_CODECS = ("gb18030", "big5hkscs", "cp932", "cp949")
_FALLBACKS = (*_CJK_CODECS, "cp1252")
_SUSPICIOUS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")
_CJK = re.compile("[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:\-]+)[\"']")
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.I
)  # <meta charset=...> and <meta http-equiv content="text/html; charset=...">

_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
_MARKERS = (  # "<?xm" (or "<" then NULs) without a BOM, XML 1.0 appendix F
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"Lo\xa7\x94", "cp037"),
)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # the Python codec used, e.g. "utf-8", "gb18030", "big5hkscs"
    notes: tuple[str, ...] = field(default=())


def codec_for(label: str | None) -> str | None:
    """The Python codec for a charset label as browsers read it (gbk -> gb18030), or None."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _LABELS:
        return _LABELS[label]
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def content_type(headers: Mapping[str, str]) -> tuple[str, str | None]:
    """(media type, charset label) of a Content-Type header; ``headers`` with lower-case names."""
    raw = headers.get("content-type", "")
    mime, _, params = raw.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return mime.strip().lower(), charset


def _suspicious(text: str) -> int:
    return len(_SUSPICIOUS.findall(text))


def _reads_as_cjk(text: str, name: str) -> bool:
    """Most non-ASCII characters are CJK, and for GB18030 most of those are in GB2312's common set.

    The second test tells GBK text from Big5 bytes read as GB18030: Big5 bytes decode into GBK's
    rarely used extension area about half the time, while real simplified-Chinese text is nearly all
    GB2312.
    """
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return False
    cjk = [ch for ch in wide if _CJK.match(ch)]
    if len(cjk) < 0.9 * len(wide):
        return False
    if name == "gb18030":
        common = sum(1 for ch in cjk if _encodes(ch, "gb2312"))
        return common >= 0.9 * len(cjk)
    return True


def _encodes(ch: str, name: str) -> bool:
    try:
        ch.encode(name)
    except UnicodeEncodeError:
        return False
    return True


def _strict(body: bytes, name: str) -> str | None:
    try:
        return body.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None


def _cjk_reading(body: bytes) -> tuple[str, str] | None:
    for name in _CJK_CODECS:
        text = _strict(body, name)
        if text is not None and not _suspicious(text) and _reads_as_cjk(text, name):
            return name, text
    return None


def _declared_in_document(body: bytes, kind: Kind) -> tuple[str | None, str]:
    """The document's own charset label and where it was said ("XML" or "meta")."""
    head = body[:4096]
    m = _XML_DECL.match(head)
    if m:
        return m.group(1).decode("ascii"), "XML"
    if kind == "html":
        m = _META_CHARSET.search(head)
        if m:
            return m.group(1).decode("ascii"), "meta"
    return None, ""


def decode(
    body: bytes, headers: Mapping[str, str] | None = None, *, kind: Kind = "html", encoding: str | None = None
) -> Decoded:
    """Decode a feed (``kind="xml"``), a page (``"html"``) or plain text; see the module docstring.

    ``headers`` are the HTTP response headers (any case). ``encoding`` (a charset label, e.g. from a
    registry entry) is taken as the strongest declaration; None or ``"auto"`` declares nothing.
    """
    notes: list[str] = []
    for bom, name in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom):].decode(name, "replace"), name)
    if kind == "xml":
        for marker, name in _MARKERS:
            if body.startswith(marker):
                return Decoded(body.decode(name, "replace"), name)

    hdrs = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    _, http_label = content_type(hdrs)
    doc_label, doc_where = _declared_in_document(body, kind)
    forced_label = encoding if encoding and encoding != "auto" else None
    forced, http_codec, doc_codec = codec_for(forced_label), codec_for(http_label), codec_for(doc_label)
    declared = [c for c in (forced, http_codec, doc_codec) if c]
    if not forced and http_codec == "cp1252" and doc_codec and doc_codec != "cp1252":
        declared = [doc_codec, http_codec]
    declared = list(dict.fromkeys(declared))
    said = " / ".join(
        filter(None, (forced_label and f"registry {forced_label}", http_label and f"HTTP {http_label}",
                      doc_label and f"{doc_where} {doc_label}"))
    )

    if body.isascii():
        first = declared[0] if declared else "utf-8"
        return Decoded(body.decode("ascii"), first if first in _ASCII_SUPERSETS else "utf-8")

    text = _strict(body, "utf-8")
    if text is not None:
        if declared and declared[0] != "utf-8":
            notes.append(f"declared {said or 'nothing'} but the bytes are UTF-8; decoded as utf-8")
        return Decoded(text, "utf-8", tuple(notes))

    for name in declared:
        if name == "utf-8":
            continue
        text = _strict(body, name)
        if text is None or _suspicious(text) > len(text) // 1000:
            continue
        if name == "cp1252" or codecs.lookup(name).name.startswith(("iso8859", "latin", "cp125")):
            cjk = _cjk_reading(body)
            if cjk is not None:
                notes.append(f"declared {said} but the bytes read as {cjk[0]}; decoded as {cjk[0]}")
                return Decoded(cjk[1], cjk[0], tuple(notes))
        if name != declared[0]:
            notes.append(f"declared {said} but {declared[0]} failed; decoded as {name}")
        return Decoded(text, name, tuple(notes))

    best: tuple[int, int, int, str, str] | None = None
    for rank, name in enumerate(dict.fromkeys([*declared, *_FALLBACKS])):
        text = _strict(body, name)
        if text is None:
            continue
        score = (_suspicious(text), 0 if name not in _CJK_CODECS or _reads_as_cjk(text, name) else 1, rank)
        if best is None or score < best[:3]:
            best = (*score, name, text)
    if best is not None:
        name, text = best[3], best[4]
        notes.append(f"declared {said or 'nothing (UTF-8 by default)'} but that failed; decoded as {name}")
        return Decoded(text, name, tuple(notes))

    lossy = min(
        (
            (body.decode(name, "replace"), rank, name)
            for rank, name in enumerate(dict.fromkeys([*declared, "utf-8", *_FALLBACKS]))
        ),
        key=lambda t: (t[0].count("\ufffd"), t[1]),
    )
    notes.append(f"no encoding decodes the bytes cleanly; decoded as {lossy[2]} with replacements")
    return Decoded(lossy[0], lossy[2], tuple(notes))
