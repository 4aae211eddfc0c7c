"""A short summary a reader can scan: a document's first sentences of substance, 120 to 200 characters.

Chinese government documents open with formulas that say nothing about their subject: the addressee
line (各省、自治区、直辖市人民政府…：), the transmittal formula of a 印发 notice (现将…印发给你们，请…),
the issuer's signature and date, the attached plan's title and section headings (一、总体要求, 1.1
编制目的), and the political preamble shared by nearly every document of the genre
(以习近平新时代中国特色社会主义思想为指导, 党的二十大精神). The summary skips those and keeps whole
sentences of what follows, cut at a clause boundary when a sentence would pass the limit.

Text extracted from PDFs keeps the page's line breaks; the rules below use them (a signature or a title
is a line of its own with no punctuation), so pass the text with its lines.
"""

from __future__ import annotations

import re

MIN_CHARS = 120
MAX_CHARS = 200

_CJK = r"\u3400-\u9fff"
_PUNCT = "，。；：、！？"
_DATE_LINE = re.compile(r"^[（(]?\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日[）)]?$")
_NOTE_LINE = re.compile(r"^[（(]此件.{1,12}[）)]$")
_HEADING = re.compile(
    r"^(?:第[一二三四五六七八九十百零\d]+[章节条部分]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]"
    r"|\d{1,2}(?:\.\d{1,2})*[\s、．.]*(?=[" + _CJK + r"])(?![年月日万亿个家项]))"
)
_SPACE_NEAR_CJK = re.compile(rf"\s+(?=[{_CJK}{_PUNCT}（）《》“”])|(?<=[{_CJK}{_PUNCT}（）《》“”])\s+")
_SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")
# The addressee line ends with a full-width colon before any sentence has ended.
_ADDRESSEE = re.compile(r"^[^。！？；：]{2,160}：")
# Sentences that hand a document on rather than say anything: 现将…印发给你们，请…; …同时废止.
_FORMULA = re.compile(r"印发给你们|现印发|现予印发|现予公布|同时废止|请认真贯彻|请结合实际")
# Clauses of the political preamble (the genre's, not one document's): dropped, the rest of the sentence kept.
_PREAMBLE = re.compile(r"习近平新时代中国特色社会主义思想|习近平总书记|党的二十(?:大|届[一二三四五六七八九]中全会)精神")
_CLAUSE = re.compile(r"[^，；]+[，；]?")


def _has_punctuation(line: str) -> bool:
    return any(mark in line for mark in _PUNCT)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _blocks(text: str, title: str) -> list[str]:
    """Runs of lines between dates, notes and headings, each joined into one string.

    A run's opening lines that are pieces of the document's title (the attached plan's own title) and
    the punctuation-free lines that end a run before a date (the issuer's signature) are dropped.
    """
    runs: list[tuple[list[str], bool]] = [([], False)]
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        heading = _HEADING.match(line) and not re.search("[，；]", line) and len(line) <= 30
        dated = bool(_DATE_LINE.match(line))
        if dated or _NOTE_LINE.match(line) or heading:
            runs[-1] = (runs[-1][0], dated)
            runs.append(([], False))
        else:
            runs[-1][0].append(line)
    squeezed_title = _squeeze(title)
    joined = []
    for lines, before_date in runs:
        while lines and len(_squeeze(lines[0])) >= 4 and _squeeze(lines[0]) in squeezed_title:
            lines = lines[1:]
        while before_date and lines and not _has_punctuation(lines[-1]):
            lines = lines[:-1]
        if lines:
            joined.append(_SPACE_NEAR_CJK.sub("", "".join(lines)))
    return joined


def _without_preamble(sentence: str) -> str:
    clauses = _CLAUSE.findall(sentence)
    kept = [clause for clause in clauses if not _PREAMBLE.search(clause)]
    if len(kept) == len(clauses):
        return sentence
    if not kept:
        return ""
    if clauses[0].startswith("为") and kept[0] != clauses[0] and not kept[0].startswith("为"):
        kept[0] = "为" + kept[0]  # keep the purpose the dropped clause opened
    joined = "".join(kept)
    end = sentence[-1] if sentence[-1] in "。！？；" else ""
    return joined.rstrip("，；") + end if joined[-1] in "，；" else joined


def _sentences(text: str, title: str) -> list[str]:
    sentences: list[str] = []
    for number, block in enumerate(_blocks(text, title)):
        if number == 0:
            block = _ADDRESSEE.sub("", block, count=1)
        for sentence in _SENTENCE.findall(block):
            sentence = sentence.strip()
            if not sentence or _FORMULA.search(sentence):
                continue
            sentence = _without_preamble(sentence)
            if sentence:
                sentences.append(sentence)
    return sentences


def _cut(sentence: str, room: int) -> str:
    """The sentence's clauses that fit in `room` characters with an ellipsis; a hard cut if none does."""
    head = sentence[: room - 1]
    boundary = max(head.rfind("，"), head.rfind("；"), head.rfind("、"))
    return (head[:boundary] if boundary > room // 3 else head) + "…"


def reading_summary(text: str, title: str = "", *, min_chars: int = MIN_CHARS, max_chars: int = MAX_CHARS) -> str:
    """Whole sentences of substance until at least `min_chars`, never more than `max_chars` characters.

    `title` is the document's title: lines of the text that repeat it (a notice's attached plan opens
    with its own title) are not substance.
    """
    summary = ""
    for sentence in _sentences(text, title):
        if len(summary) + len(sentence) <= max_chars:
            summary += sentence
            if len(summary) >= min_chars:
                break
            continue
        room = max_chars - len(summary)
        if room >= 20 or not summary:
            summary += _cut(sentence, room)
        break
    return summary
