"""Cut a gazette issue (or a single policy page) into its documents.

A gazette document is laid out as: header (doc number, issuer, title), addressee (各…：), notice
body, signature (issuer + date, often 〔此件公开发布〕), then an optional attachment. Two-column PDF
extraction scrambles this order: a header block lands in the middle of the previous document's
columns, a short notice is printed inside another document's text, and an attachment's first
column comes before the header of the notice that issues it.

The splitter therefore works on anchors rather than on position alone:

* text goes to the innermost document that is open (started but not yet signed), so the body
  around a short notice printed mid-page stays with the outer document;
* a signature closes the open document whose issuer it names;
* text seen while no document is open ("orphans") is either an attachment of a recently signed
  document or the start of the next one; it is cut into page chunks and each chunk goes to the
  candidate whose title it resembles most (character bigrams), never back after moving forward.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import pairwise

from gazette.domain.model import SplitDocument
from gazette.domain.repair import (
    collapse_number_spaces,
    is_page_furniture,
    is_standalone,
    is_title_like,
    join_broken_lines,
    repair_font_digits,
)


class SplitError(ValueError):
    """The text cannot be split (reserved for callers that need to reject an issue)."""


_BLANKS = " \t\u3000\xa0"
# Traditional characters of the words the anchors look for, matched through their Simplified form
# (號 發 辦 關於 …); the text itself is never changed.
_TRADITIONAL = str.maketrans(
    "號發辦關於國務廳會員見決預規覆復報劃細則紀條議請標準計點單錄區縣門屬機構鄉鎮廣東財體總銀"
    "廠農業軍這對轉劃為爲衛設環資審監護華齊濟歷陽遼寧長參營黨幹稅釋檢訴訟後結與認務開際",
    "号发办关于国务厅会员见决预规复复报划细则纪条议请标准计点单录区县门属机构乡镇广东财体总银"
    "厂农业军这对转划为为卫设环资审监护华齐济历阳辽宁长参营党干税释检诉讼后结与认务开际",
)
_TRADITIONAL_CHARS = re.compile("[" + "".join(chr(code) for code in _TRADITIONAL) + "]")


def _simplified(text: str) -> str:
    """The text with the Traditional characters anchors look for in their Simplified form."""
    return text.translate(_TRADITIONAL) if _TRADITIONAL_CHARS.search(text) else text


_DOC_NUMBER = re.compile(r"^([\u4e00-\u9fff]{1,12})[〔\[［【(（](\d{4})[〕\]］】)）](\d{1,4})号$")
_ORG_SUFFIX = (
    r"(?:人民政府|政府|办公厅|办公室|委员会|管委会|办事处|中心|银行|小组|总局|局|厅|部|委|院|署|办|会)"
)
_ORG_LAST_CHARS = frozenset("府厅室会处心行组局部委院署办")  # last characters of `_ORG_SUFFIX`
_ORG = rf"[\u4e00-\u9fff（）]{{1,30}}{_ORG_SUFFIX}"
_ISSUER = re.compile(rf"^(?:{_ORG}){{1,8}}$")
_ORG_NAME = re.compile(rf"[\u4e00-\u9fff（）]+?{_ORG_SUFFIX}")
_BARE_OFFICE = re.compile(rf"^(?:常务)?{_ORG_SUFFIX}$")
# Joint issuers: organisations side by side, apart by spaces or 、 (`财政部 工业和信息化部`).
_ISSUER_SEPARATORS = re.compile(r"[\s、，,]+")
# Where a title starts once its issuer's name is taken off (`国务院办公厅转发…`, `国务院关于…`).
_TITLE_OPENING = re.compile(r"关于|转发|批转|印发|对|公布")
_NOT_AN_ISSUER = re.compile(r"关于|转发|批转|印发|的|或者|[条條]|申请|提出|规定|通知|决定|意见|办法|解释")
_TITLE_END = re.compile(
    r"(?:通知|意见|决定|方案|预案|办法|规定|批复|报告|通报|公告|通告|函|令|规划|细则|纪要|条例|决议|命令"
    r"|答复|请示|规则|标准|措施|计划|要点|指引|指南|清单|目录|章程|解释|安排)》?(?:[（(][^（()）]{1,6}[）)])?$"
)
_TITLE_FORBIDDEN = re.compile(r"[，。；：,;:！？]")
_ARABIC_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_CN_NUMERALS = "〇零一二三四五六七八九"
_CHINESE_DATE = re.compile(
    rf"^([{_CN_NUMERALS}]{{4}})年([{_CN_NUMERALS}十]{{1,3}})月([{_CN_NUMERALS}十]{{1,3}})日$"
)
# The note under a signature: （此件公开发布）, （本文有删减）.
_PUBLIC_MARK = re.compile(r"^[（(](?:此件|本文).{1,8}[）)]$")
_ADDRESSEE_ORG = re.compile(r"人民政府|部门|单位|机构|管委|办事处|委员会|直属")
_TERMINAL = tuple("。！？；：!?;:…”）)")
_OPENING_BRACKETS = tuple("（(《“〔[")
_CLOSING_BRACKETS = tuple("）)》”〕]")
_NON_ZERO_DIGIT = re.compile(r"[1-9]")
_PAGE_NUMBER = re.compile(r"^\d{1,4}$")
_HEADING_START = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十百]+[章节条](?![的之中，。、])"
    r"|\d{1,3}[.．、](?=[\u4e00-\u9fff]))"
)
_ARTICLE_START = re.compile(r"^第[一二三四五六七八九十百零〇\d]+条")
_LONGEST_ARTICLE_HEADING = 16  # characters: a longer 第…条 line is an article's text, wrapped
_CN_DIGITS = {ch: value for value, ch in enumerate("〇一二三四五六七八九")} | {"零": 0}
# Bigrams every title shares: they say nothing about which document a chunk belongs to.
_STOP_BIGRAMS = frozenset(
    ("关于", "印发", "的通", "通知", "的意", "意见", "的决", "决定", "实施", "进一", "一步")
)
_MAX_HEADER_TO_TITLE = 4  # title lines of a header
_MIN_CHUNK_CHARS = 300  # orphan chunks smaller than this are merged: too little text to compare
_CONTINUITY_BONUS = 1.25
_MOVE_ON_RATIO = 2.0  # how much better text must match the next document's title to be its beginning
_MOVE_ON_FLOOR = 0.2
_ANONYMOUS_REACH = 12  # a signed, title-less notice binds to a header at most this many lines later
_LONGEST_TITLE_LINE = 60  # characters: a longer line is body text, never a header's
_TITLE_PAGE_REACH = 120  # lines a title may span when the page ends inside it
_WELL_JOINED = 3  # a pair of characters the issue writes this often joins two lines well
_SHORTEST_MOVED_COLUMN = 6  # lines: on joins alone, only columns this long are moved (not a line or two)
_RETHREAD_REACH = 400  # lines after a dangling sentence searched for the column block that ends it


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    squeezed: str  # without any whitespace, for anchor regexes
    page_start: bool  # extractors indent the first line of a page or column; page furniture ends one
    plain: str = ""  # `squeezed` in Simplified characters, for anchor regexes only
    new_page: bool = False  # the first line after a running header or footer


@dataclass(frozen=True, slots=True)
class _Header:
    start: int
    lines: tuple[int, ...]
    doc_number: str | None
    issuer: str | None
    title: str | None


@dataclass(frozen=True, slots=True)
class _Signature:
    start: int
    end: int  # last line, including 〔此件公开发布〕
    issuer: str | None
    published: date | None


@dataclass(eq=False, slots=True)
class _Doc:
    header: _Header | None = None
    signature: _Signature | None = None
    pieces: list[int] = field(default_factory=list)
    pre: list[int] = field(default_factory=list)  # text printed before its header (attachment start)
    # Column blocks printed elsewhere that continue a sentence this document leaves unfinished:
    # {line the sentence breaks off at: the block's lines}.
    spliced: dict[int, list[int]] = field(default_factory=dict)
    has_addressee: bool = False
    text_chars: int = 0


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _squash_title(text: str) -> str:
    # Spaces next to CJK characters are extraction artefacts; spaces between Latin words are not.
    text = re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text.strip())
    return collapse_number_spaces(text)


def _prepare_lines(text: str) -> list[_Line]:
    """Non-blank lines, repaired; running headers and footers left out (they belong to no document),
    the line after one marked as a page start."""
    text = collapse_number_spaces(repair_font_digits(text))
    raws = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    page_numbers = _page_number_lines(raws)
    lines: list[_Line] = []
    after_furniture = False
    for number, raw in enumerate(raws):
        stripped = raw.strip(_BLANKS)
        if not stripped:
            continue
        if number in page_numbers or is_page_furniture(stripped):
            after_furniture = True
            continue
        squeezed = _squeeze(stripped)
        page_start = raw[:1] in _BLANKS or after_furniture
        lines.append(_Line(stripped, squeezed, page_start, _simplified(squeezed), after_furniture))
        after_furniture = False
    return lines


def _page_number_lines(raws: list[str]) -> set[int]:
    """Lines holding a page number alone: the longest run of such lines counting up one by one
    through the issue (a number wrapped onto a line of its own in the text does not count up)."""
    found = [(i, int(raw.strip(_BLANKS))) for i, raw in enumerate(raws) if _PAGE_NUMBER.match(raw.strip(_BLANKS))]
    best: list[int] = []
    for start, (_, first) in enumerate(found):
        chain, expected = [], first
        for index, value in found[start:]:
            if value == expected:
                chain.append(index)
                expected += 1
        if len(chain) > len(best):
            best = chain
    return set(best) if len(best) >= 2 else set()


def _parse_date(squeezed: str) -> date | None:
    match = _ARABIC_DATE.match(squeezed)
    if match:
        numbers = [int(group) for group in match.groups()]
    else:
        match = _CHINESE_DATE.match(squeezed)
        if not match:
            return None
        year = int("".join(str(_CN_DIGITS[ch]) for ch in match.group(1)))
        numbers = [year, _chinese_small_number(match.group(2)), _chinese_small_number(match.group(3))]
    try:
        return date(numbers[0], numbers[1], numbers[2])
    except ValueError:
        return None


def _chinese_small_number(text: str) -> int:
    """一 .. 三十一 (months and days)."""
    if "十" not in text:
        return _CN_DIGITS.get(text, 0)
    tens, _, units = text.partition("十")
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(units, 0) if units else 0)


@lru_cache(maxsize=8192)
def _issuer_of(text: str) -> str | None:
    """The issuer a line names (joint issuers apart by a space), or None if it names none (cached:
    the header, signature and column passes ask it of the same lines)."""
    parts = [part for part in _ISSUER_SEPARATORS.split(text.strip(_BLANKS)) if part]
    if not parts or _NOT_AN_ISSUER.search(_simplified(text)) or text.strip(_BLANKS).startswith(_OPENING_BRACKETS):
        return None
    if all(_ISSUER.match(_simplified(part)) for part in parts):
        return " ".join(parts) if len(parts) > 1 else " ".join(_organisations(parts[0]))
    if max(len(part) for part in parts) > 2 or re.search(r"[、，,]", text):
        return None  # organisations listed with commas (an addressee), not one name spaced out
    whole = "".join(parts)  # a name set with spaces between its characters: `山 东 省 人 民 政 府`
    return whole if _ISSUER.match(_simplified(whole)) else None


def _organisations(name: str) -> list[str]:
    """Joint issuers printed without a separator (`中国人民银行民政部`), one name each; a bare
    office word (`办公厅`) stays with the name before it (`国务院办公厅`)."""
    plain = _simplified(name)
    names: list[str] = []
    start = 0
    for match in _ORG_NAME.finditer(plain):
        if match.start() != start:
            return [name]
        piece = name[match.start() : match.end()]
        if names and _BARE_OFFICE.match(plain[match.start() : match.end()]):
            names[-1] += piece
        else:
            names.append(piece)
        start = match.end()
    return names if start == len(plain) and names else [name]


def _is_issuer(line: _Line) -> bool:
    # Every issuer name ends with an organisation word's last character: a cheap test first.
    return line.plain[-1:] in _ORG_LAST_CHARS and _issuer_of(line.text) is not None


def _split_issuer(title: str) -> tuple[str | None, str]:
    """`国务院办公厅转发国家地震局关于…的通知` -> (`国务院办公厅`, `转发国家地震局关于…的通知`);
    the issuer is "" when the title names its issuers only in part (`…等部门关于…`)."""
    plain = _simplified(title)
    for match in _TITLE_OPENING.finditer(plain):
        if match.start() == 0:
            return None, title
        prefix = title[: match.start()]
        issuer = _issuer_of(prefix)
        if issuer is not None:
            return issuer, title[match.start() :]
        if prefix.endswith("等部门") and _issuer_of(prefix[:-3]) is not None:
            # `国家发展改革委等部门关于…`: the issuers are named in full under the signature.
            return "", title[match.start() :]
    return None, title


def _collect_title(lines: list[_Line], start: int, stop: int | None = None) -> list[int] | None:
    """The lines from `start` that make a title: unpunctuated, the last ending with a document type
    (通知, 意见, …), at most a few of them; None if no such run starts there."""
    end = min(len(lines), start + _MAX_HEADER_TO_TITLE, stop if stop is not None else len(lines))
    for index in range(start, end):
        plain = lines[index].plain
        if (
            _TITLE_FORBIDDEN.search(plain)
            or _DOC_NUMBER.match(plain)
            or _PUBLIC_MARK.match(plain)
            or _parse_date(plain) is not None
        ):
            return None
        if _TITLE_END.search(lines[index].plain):
            following = lines[index + 1].plain if index + 1 < len(lines) else ""
            if (
                following.startswith("的")
                and _TITLE_END.search(following)
                and not _TITLE_FORBIDDEN.search(following)
                and len(following) <= _LONGEST_TITLE_LINE
            ):
                # `关于…地方性法规规定` / `的…调整问题的决定`: the first line only seemed to end it.
                return list(range(start, index + 2))
            return list(range(start, index + 1))
    return None


def _title_text(lines: list[_Line], used: list[int]) -> str:
    return _squash_title(" ".join(lines[i].text for i in used))


def _header_at(lines: list[_Line], index: int, number: str) -> _Header | None:
    """The header around a document number: `number, issuer, title` (the usual order), or the
    title (with its issuer's name) just above the number. None when the number has neither, as a
    number cited inside a sentence has not."""
    cursor = index + 1
    issuer: str | None = None
    used = [index]
    if cursor < len(lines) and _is_issuer(lines[cursor]):
        issuer = _issuer_of(lines[cursor].text)
        used.append(cursor)
        cursor += 1
    title_lines = _collect_title(lines, cursor) if cursor < len(lines) else None
    if title_lines is None and issuer is not None and cursor < len(lines):
        title_lines = _title_over_page(lines, cursor)
    if title_lines is not None and (issuer is not None or _TITLE_OPENING.match(lines[cursor].plain) or
                                    _split_issuer(lines[cursor].text)[0] is not None):
        used.extend(title_lines)
    else:
        title_lines = _title_before(lines, index)
        if title_lines is None:
            return None
        used.extend(title_lines)
        if issuer is None and title_lines[0] > 0 and _is_issuer(lines[title_lines[0] - 1]):
            issuer = _issuer_of(lines[title_lines[0] - 1].text)
            used.append(title_lines[0] - 1)
    prefix, title = _split_issuer(_title_text(lines, title_lines))
    return _Header(min(used), tuple(sorted(used)), number, issuer or prefix, title)


def _title_over_page(lines: list[_Line], start: int) -> list[int] | None:
    """A title that opens at the foot of a page and ends on the first line of the next one, the
    page's column text read in between (`关于对…典型` … page … `经验做法给予表扬的通报`)."""
    if not _TITLE_OPENING.match(lines[start].plain) or _TITLE_FORBIDDEN.search(lines[start].plain):
        return None
    following = next((i for i in range(start + 1, len(lines)) if lines[i].new_page), None)
    if following is None or following - start > _TITLE_PAGE_REACH:
        return None
    ending = lines[following].plain
    if _TITLE_FORBIDDEN.search(ending) or not _TITLE_END.search(ending) or len(ending) > 30:
        return None
    return [start, following]


def _title_before(lines: list[_Line], index: int) -> list[int] | None:
    """Title lines ending just above the number, opening with `关于`/`转发`… or an issuer's name."""
    if index == 0 or not _TITLE_END.search(lines[index - 1].plain):
        return None
    # The longest run wins: `国务院办公厅转发国家地震局` / `关于…` / `…的通知` is one title.
    for start in range(max(0, index - _MAX_HEADER_TO_TITLE), index):
        found = _collect_title(lines, start, stop=index)
        if found is None or found[-1] != index - 1:
            continue
        opening = lines[start]
        if _TITLE_OPENING.match(opening.plain) or _split_issuer(opening.text)[0] is not None:
            return found
    return None


def _number_of(line: _Line) -> str | None:
    match = _DOC_NUMBER.match(line.plain)
    if not match:
        return None
    # As printed (Traditional 號 stays), brackets made the usual 〔〕.
    head = line.squeezed[: len(match.group(1))]
    return f"{head}〔{match.group(2)}〕{match.group(3)}{line.squeezed[-1]}"


def _is_cited(lines: list[_Line], index: int) -> bool:
    """A number inside a sentence, alone on its line: `…的通知》（` / `国发〔2024〕7号` / `）精神…`."""
    before = lines[index - 1].squeezed if index > 0 else ""
    after = lines[index + 1].squeezed if index + 1 < len(lines) else ""
    return before.endswith(_OPENING_BRACKETS) or after.startswith(_CLOSING_BRACKETS)


def _find_headers(lines: list[_Line]) -> dict[int, _Header]:
    headers: dict[int, _Header] = {}
    taken: set[int] = set()
    for index, line in enumerate(lines):
        number = _number_of(line)
        if number is None or index in taken or _is_cited(lines, index):
            continue
        header = _header_at(lines, index, number)
        if header is not None and not taken.intersection(header.lines):
            headers[header.start] = header
            taken.update(header.lines)
    for index in range(len(lines)):
        if index in taken:
            continue
        header = _numberless_header_at(lines, index)
        if header is not None and not taken.intersection(header.lines):
            headers[header.start] = _with_number_over_page(lines, header, taken)
            taken.update(headers[header.start].lines)
    return dict(sorted(headers.items()))


def _with_number_over_page(lines: list[_Line], header: _Header, taken: set[int]) -> _Header:
    """A header that opens a page whose number stands at the foot of the page before, the page's
    column text read in between (`国办函〔2018〕74号` … page … `国务院办公厅` / `关于…的通知`): the
    number is the header's."""
    if not lines[header.start].new_page:
        return header
    page_start = next((i for i in range(header.start - 1, -1, -1) if lines[i].new_page), 0)
    for index in range(header.start - 1, page_start - 1, -1):
        if index in taken:
            return header  # another header (or its line) comes between
        number = _number_of(lines[index])
        if number is not None and not _is_cited(lines, index):
            return _Header(header.start, tuple(sorted((index, *header.lines))), number, header.issuer, header.title)
    return header


def _numberless_header_at(lines: list[_Line], index: int) -> _Header | None:
    """A header without a number (a 决定, a judicial interpretation): the issuer on its own line
    above a title, or the title with its issuer's name in front; only where a document can start."""
    line = lines[index]
    if len(line.squeezed) > _LONGEST_TITLE_LINE:
        return None
    # A document starts after a finished sentence; in a column-wise extraction the line above a
    # full-width header may be a column line cut mid-sentence, so a header there must also not
    # read on into the line after it (`…的决定` / `》，…` is a citation, not a title).
    after_sentence = (
        index == 0 or lines[index - 1].squeezed.endswith(_TERMINAL) or _parse_date(lines[index - 1].plain) is not None
    )
    if not after_sentence and lines[index - 1].squeezed.endswith(_OPENING_BRACKETS):
        return None
    if _TITLE_OPENING.search(line.plain) is None and not _is_issuer(line):
        return None  # the first line of either form names the issuer or opens the title
    if _is_issuer(line) and index + 1 < len(lines) and _TITLE_OPENING.match(lines[index + 1].plain):
        title_lines = _collect_title(lines, index + 1)
        if title_lines is None or not (after_sentence or _ends_header(lines, title_lines[-1])):
            return None
        issuer, title = _issuer_of(line.text), _title_text(lines, title_lines)
        return _Header(index, (index, *title_lines), None, issuer, title)
    title_lines = _collect_title(lines, index)
    if title_lines is None or "《" in line.squeezed[:1]:
        return None
    # The header's first line names the issuer (and opens the title): a line of text running into a
    # header's first line is not part of it. An issuer alone on the line above a title that names
    # its own issuer is a signature's, not one more issuer of that title.
    signer_above = len(title_lines) > 1 and _split_issuer(lines[index + 1].text)[0] is not None
    if _split_issuer(line.text)[0] is None and (not _is_issuer(line) or signer_above):
        return None
    if not after_sentence and not _ends_header(lines, title_lines[-1]):
        return None
    issuer, title = _split_issuer(_title_text(lines, title_lines))
    if issuer is None:
        return None
    return _Header(index, tuple(title_lines), None, issuer, title)


def _ends_header(lines: list[_Line], last: int) -> bool:
    """The title line `last` ends a header: the next line does not carry on its sentence."""
    if last + 1 >= len(lines):
        return True
    following = lines[last + 1].squeezed
    return not following.startswith(_CLOSING_BRACKETS + tuple("，。、；：,.;:")) and not following.startswith("的")


def _find_signatures(lines: list[_Line], taken: set[int]) -> dict[int, _Signature]:
    signatures: dict[int, _Signature] = {}
    for index, line in enumerate(lines):
        if index in taken:
            continue
        published = _parse_date(line.plain)
        if published is None:
            continue
        issuer = None
        start = index
        if index > 0 and index - 1 not in taken and _is_issuer(lines[index - 1]):
            issuer, start = _issuer_of(lines[index - 1].text), index - 1
        end = index + 1 if index + 1 < len(lines) and _PUBLIC_MARK.match(lines[index + 1].plain) else index
        signatures[start] = _Signature(start, end, issuer, published)
    return signatures


def _is_addressee(lines: list[_Line], index: int) -> bool:
    """`各市人民政府，…，各直属机构：` — may wrap over a few lines and run into the body."""
    if "各" not in lines[index].plain[:8]:
        return False
    joined = "".join(line.plain for line in lines[index : index + 4])
    colon = min((p for p in (joined.find("："), joined.find(":")) if p >= 0), default=-1)
    if colon < 0 or colon > 160:
        return False
    head = joined[:colon]
    return not re.search(r"[。；！？]", head) and bool(_ADDRESSEE_ORG.search(head))


def _bigrams(text: str) -> set[str]:
    cjk = re.sub(r"[^\u4e00-\u9fff]", " ", text)
    grams = {word[i : i + 2] for word in cjk.split() for i in range(len(word) - 1)}
    return grams - _STOP_BIGRAMS


def _digits_alike(text: str) -> str:
    return _NON_ZERO_DIGIT.sub("0", text)


def _dangles(line: _Line) -> bool:
    """The line stops mid-sentence: no closing punctuation, and not a line that stands alone."""
    if line.squeezed.endswith(_TERMINAL):
        return False
    # `第十三条 具有专门知识的人民陪审员参加环`: an article's first line, not a heading of its own.
    return not is_standalone(line.squeezed) or bool(
        _ARTICLE_START.match(line.plain) and len(line.squeezed) > _LONGEST_ARTICLE_HEADING
    )


def _join(left: _Line, right: _Line, pairs: Counter[str]) -> int:
    """How often the issue writes the two characters that joining these lines puts side by side."""
    return pairs[_digits_alike(left.squeezed[-1] + right.squeezed[0])]


def _issuers_match(left: str, right: str) -> bool:
    left, right = _simplified(_squeeze(left)), _simplified(_squeeze(right))
    return left.endswith(right) or right.endswith(left)


class _Splitter:
    """One pass over the lines, keeping the stack of open documents and the orphan text."""

    def __init__(
        self, lines: list[_Line], pairs: _Pairs | None = None, headers: dict[int, _Header] | None = None
    ) -> None:
        self.lines = lines
        self.pairs = pairs or _Pairs(lines)
        self.headers = _find_headers(lines) if headers is None else headers
        self.header_lines = {i for header in self.headers.values() for i in header.lines}
        self.signatures = _find_signatures(lines, self.header_lines)
        self.docs: list[_Doc] = []
        self.stack: list[_Doc] = []
        self.orphans: list[int] = []
        self.problem: str | None = None
        self._page_texts: list[str] | None = None
        self._idf_cache: dict[str, float] = {}
        lengths = sorted(len(line.squeezed) for line in lines)
        self.line_width = lengths[len(lengths) // 2] if lengths else 0

    def run(self) -> list[SplitDocument]:
        index = 0
        while index < len(self.lines):
            if index in self.headers:
                self._on_header(self.headers[index])
            elif index in self.header_lines:
                pass
            elif index in self.signatures:
                signature = self.signatures[index]
                self._on_signature(signature)
                index = signature.end
            else:
                if self._starts_paragraph(index) and _is_addressee(self.lines, index):
                    self._on_addressee()
                self._on_text(index)
            index += 1
        self._resolve_orphans(None)
        self._rethread()
        return self._finish()

    def _starts_paragraph(self, index: int) -> bool:
        if index == 0 or self.lines[index].page_start:
            return True
        previous = index - 1
        return previous in self.header_lines or self.lines[previous].squeezed.endswith(_TERMINAL)

    def _on_header(self, header: _Header) -> None:
        doc = self._anonymous_for(header)
        if doc is None:
            # A document resumes after another's header only if it broke off mid-sentence (a short
            # notice printed inside it); one whose text ends a sentence is over, signed or not.
            self.stack = [open_doc for open_doc in self.stack if self._broken_off(open_doc)]
            if len(self.stack) >= 2:
                # Only one short notice nests inside another document; a deeper stack means the
                # outer document was never signed, so stop feeding it.
                self.stack.pop(0)
            doc = _Doc()
            self.docs.append(doc)
            self.stack.append(doc)
        doc.header = header
        self._resolve_orphans(doc)

    def _broken_off(self, doc: _Doc) -> bool:
        if not doc.pieces:
            return False
        last = self.lines[max(doc.pieces)]
        return _dangles(last) and len(last.squeezed) >= 0.8 * self.line_width

    def _anonymous_for(self, header: _Header) -> _Doc | None:
        """A document started by its addressee (or signature) before its header was seen."""
        for doc in reversed(self.docs):
            if doc.header is not None:
                return None
            if doc in self.stack:
                return doc
            if doc.signature and header.start - doc.signature.end <= _ANONYMOUS_REACH:
                return doc
        return None

    def _on_addressee(self) -> None:
        top = self.stack[-1] if self.stack else None
        if top is not None and top.header is not None and not top.has_addressee and top.text_chars == 0:
            top.has_addressee = True
            return
        if top is not None:
            return  # inside an open document: a sentence of its body
        # After a signed document, an addressee opens the next one before its header is seen.
        doc = _Doc(has_addressee=True)
        self.docs.append(doc)
        self.stack.append(doc)

    def _on_text(self, index: int) -> None:
        if self.stack:
            self.stack[-1].pieces.append(index)
            self.stack[-1].text_chars += len(self.lines[index].squeezed)
        else:
            self.orphans.append(index)

    def _on_signature(self, signature: _Signature) -> None:
        target = None
        if signature.issuer:
            target = next(
                (
                    doc
                    for doc in reversed(self.stack)
                    if doc.header
                    and doc.header.issuer
                    and _issuers_match(doc.header.issuer, signature.issuer)
                ),
                None,
            )
        if target is None and self.stack:
            target = self.stack[-1]
        if target is None:
            # No document is open: the signature of an attachment (a report, a list) of the last one.
            for index in range(signature.start, signature.end + 1):
                self._on_text(index)
            return
        self.stack.remove(target)
        if target.signature is None:
            target.signature = signature
        target.pieces.extend(range(signature.start, signature.end + 1))

    def _resolve_orphans(self, upcoming: _Doc | None) -> None:
        if not self.orphans:
            return
        orphans, self.orphans = self.orphans, []
        headed = [doc.header.start for doc in self.docs if doc.header and doc is not upcoming]
        latest = max(headed, default=-1)
        # Only documents signed since the last header compete: one signed before it is over.
        signed = [
            doc
            for doc in self.docs
            if doc.signature
            and doc.header
            and doc is not upcoming
            and (doc.signature.start > latest or doc.header.start == latest)
        ]
        recent = sorted(signed, key=lambda doc: doc.signature.start if doc.signature else 0)[-3:]
        candidates: list[_Doc] = list(reversed(recent))  # most recently signed first: wins ties
        if not candidates and upcoming is None:
            candidates = [doc for doc in self.docs if doc.header][-1:] or self.docs[-1:]
        if not candidates:
            if upcoming is not None:
                upcoming.pre.extend(orphans)
            return
        keys = self._keys(candidates + ([upcoming] if upcoming else []))
        moved_on = False
        for chunk in self._chunks(orphans):
            scores = [self._score(chunk, key) for key in keys[: len(candidates)]]
            # Continuity: text after a signature is most likely that document's attachment.
            scores[0] *= _CONTINUITY_BONUS
            if not moved_on and upcoming is not None:
                # Text after a signature is that document's unless it is plainly the next one's.
                ahead = self._score(chunk, keys[-1])
                moved_on = ahead > _MOVE_ON_FLOOR and ahead > _MOVE_ON_RATIO * max(scores)
            if moved_on and upcoming is not None:
                upcoming.pre.extend(chunk)
                continue
            best = max(range(len(candidates)), key=lambda i: (scores[i], -i))
            candidates[best].pieces.extend(chunk)

    @staticmethod
    def _keys(docs: list[_Doc]) -> list[set[str]]:
        grams = [_bigrams(doc.header.title or "") if doc.header else set() for doc in docs]
        # Bigrams every candidate shares (the city's name, 方案) cannot tell them apart.
        common = set.intersection(*grams) if len(grams) > 1 else set()
        return [gram - common for gram in grams]

    def _score(self, chunk: list[int], key: set[str]) -> float:
        """Weighted share of the title's bigrams found in the chunk; words used all over the issue
        (发展, 推动, 市场) weigh little, words of one document (设备更新, 中医药) weigh much."""
        if not key:
            return 0.0
        text = "".join(self.lines[i].squeezed for i in chunk)
        weights = {gram: self._idf(gram) for gram in key}
        found = sum(weight * math.log1p(text.count(gram)) for gram, weight in weights.items())
        return found / sum(weights.values())

    def _idf(self, gram: str) -> float:
        if gram in self._idf_cache:
            return self._idf_cache[gram]
        if self._page_texts is None:
            chunks = self._chunks(range(len(self.lines)))
            self._page_texts = ["".join(self.lines[i].squeezed for i in chunk) for chunk in chunks]
        pages = self._page_texts
        frequency = sum(1 for page in pages if gram in page)
        self._idf_cache[gram] = math.log((len(pages) + 1) / (frequency + 1)) + 0.1
        return self._idf_cache[gram]

    def _chunks(self, indices: Iterable[int]) -> list[list[int]]:
        """Cut orphan text where a page or column starts; merge chunks too small to judge."""
        chunks: list[list[int]] = []
        size = 0  # characters in the last chunk, kept running so the cut stays linear
        for index in indices:
            new = not chunks or self.lines[index].page_start or index != chunks[-1][-1] + 1
            if new and chunks and size < _MIN_CHUNK_CHARS:
                new = False
            if new:
                chunks.append([index])
                size = 0
            else:
                chunks[-1].append(index)
            size += len(self.lines[index].squeezed)
        return chunks

    def _rethread(self) -> None:
        """Give a sentence cut off at a document's end the column block that finishes it.

        A two-column page read out of order can leave a document's last line mid-sentence
        (`阵风风力大于 7`) while the rest of that column sits inside another document, where it
        breaks a sentence of that document (`充分发挥科技创` / `级的风，…`). Such a block is moved
        when three joins agree, judged by the character pairs of the issue itself: the dangling
        line reads on into the block's first line, the line before the block reads on into the
        line after it (a column start), and the two lines the block now separates do not.
        """
        owner: dict[int, _Doc] = {}
        for doc in self.docs:
            for index in (*doc.pieces, *doc.pre):
                owner[index] = doc
        pairs: Counter[str] | None = None
        for doc in self.docs:
            if doc.header is None:
                continue
            ordered = self._ordered_lines(doc)
            if not ordered or not _dangles(self.lines[ordered[-1]]):
                continue
            dangling = ordered[-1]
            if pairs is None:
                pairs = self.pairs.counts()
            block = self._block_continuing(dangling, pairs)
            if block is None:
                continue
            for index in block:
                donor = owner.get(index)
                if donor is not None:
                    donor.pieces = [i for i in donor.pieces if i != index]
                    donor.pre = [i for i in donor.pre if i != index]
                owner[index] = doc
            doc.spliced[dangling] = block

    def _block_continuing(self, dangling: int, pairs: Counter[str]) -> list[int] | None:
        best: tuple[int, list[int]] | None = None
        end = min(len(self.lines), dangling + _RETHREAD_REACH)
        for start in range(dangling + 2, end):
            before = start - 1
            if (
                self.lines[start].page_start
                or start in self.header_lines
                or before in self.header_lines
                or not _dangles(self.lines[before])
                or _join(self.lines[before], self.lines[start], pairs) > 0
            ):
                continue
            into_block = _join(self.lines[dangling], self.lines[start], pairs)
            if into_block == 0:
                continue
            after = next(
                (i for i in range(start + 1, end) if self.lines[i].page_start or i in self.header_lines), None
            )
            if after is None or after in self.header_lines or _dangles(self.lines[after - 1]):
                continue
            around_block = _join(self.lines[before], self.lines[after], pairs)
            if around_block == 0:
                continue
            score = min(into_block, around_block)
            if best is None or score > best[0]:
                best = (score, list(range(start, after)))
        return best[1] if best else None

    def _finish(self) -> list[SplitDocument]:
        result: list[SplitDocument] = []
        previous: _Doc | None = None
        for doc in self.docs:
            if doc.header is None and previous is not None:
                # An addressee or signature that never met its header: it was body text after all.
                previous.pieces.extend(doc.pieces + doc.pre)
                continue
            previous = doc
        built = [doc for doc in self.docs if doc.header is not None]
        self.problem = self._unplaced(built)
        if self.problem is None:
            result.extend(self._build(doc) for doc in built)
        return result

    def _unplaced(self, built: list[_Doc]) -> str | None:
        """Why these documents are not a split of the issue (None when they are): each line in
        exactly one document or one header, and no document without text unless it is alone."""
        placed = [index for doc in built for index in self._ordered_lines(doc)]
        placed.extend(self.header_lines)
        if len(placed) != len(set(placed)):
            return "a line was placed in two documents"
        if len(placed) != len(self.lines):
            return "some lines belong to no document"
        # A page may hold a header alone (its body elsewhere); among several, a bare header is a
        # contents list or a layout not understood.
        empty = next((doc.header for doc in built if doc.header and not self._ordered_lines(doc)), None)
        if empty is not None and len(built) > 1:
            return "a header with no text under it"
        return None

    def _ordered_lines(self, doc: _Doc) -> list[int]:
        ordered = self._placed_lines(doc)
        if not doc.spliced:
            return ordered
        result: list[int] = []
        for index in ordered:
            result.append(index)
            result.extend(doc.spliced.get(index, ()))
        return result

    def _placed_lines(self, doc: _Doc) -> list[int]:
        pieces = sorted(set(doc.pieces))
        if not doc.pre:
            return pieces
        pre = sorted(set(doc.pre))
        if len(pre) >= 2 and is_title_like(self.lines[pre[-1]].squeezed) and _dangles(self.lines[pre[-2]]):
            # The attachment's title spans both columns; read after the first column, it cuts a
            # sentence in two. It heads the attachment.
            pre = pre[-1:] + pre[:-1]
        if doc.signature is None or doc.signature.end not in pieces:
            return pre + pieces
        # Text printed before the header is the attachment's beginning: it follows the signature
        # and the attachment title (short lines without punctuation).
        cut = pieces.index(doc.signature.end) + 1
        while cut < len(pieces) and cut - pieces.index(doc.signature.end) <= 3:
            line = self.lines[pieces[cut]].squeezed
            if len(line) > 30 or re.search(r"[，。；：、,.;:]", line):
                break
            cut += 1
        return pieces[:cut] + pre + pieces[cut:]

    def _build(self, doc: _Doc) -> SplitDocument:
        header = doc.header
        assert header is not None  # only documents with a header are built
        body = "\n".join(self.lines[i].text for i in self._ordered_lines(doc))
        text = collapse_number_spaces(join_broken_lines(body)).strip()
        issuer = header.issuer or (doc.signature.issuer if doc.signature else None)
        title = header.title or _first_line(text) or header.doc_number
        return SplitDocument(
            title=title,
            text=text,
            doc_number=header.doc_number,
            issuer=issuer,
            published=doc.signature.published if doc.signature else None,
        )


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0][:80]


def _read_columns(lines: list[_Line], headers: dict[int, _Header], shared: _Pairs) -> list[_Line]:
    """Put two-column pages back in reading order where a column-wise extraction scrambled them.

    An extractor that reads a page column by column, passing full-width lines (a document's header)
    as it meets them, gives `F1 L1 F2 L2 … R1 R2 …`: each band's left column after its header, then
    all the right columns. Typesetting balances a band's two columns (the right one as long as the
    left, or one line shorter), so the right columns' lengths follow from the left ones'. A page is
    reordered only when that reading joins fewer sentences badly than the page as extracted.
    """
    pages: list[list[int]] = []
    for index, line in enumerate(lines):
        if not pages or line.new_page:
            pages.append([])
        pages[-1].append(index)
    mixed = [page for page in pages if any(i in headers for i in page[1:])]
    if len(pages) < 2 or not mixed:
        return lines
    pairs = shared.counts()
    order: list[int] = []
    for page in pages:
        order.extend(_page_order(lines, page, headers, pairs) if page in mixed else page)
    if all(index == position for position, index in enumerate(order)):
        return lines  # no page moved: the same lines, so their headers stand
    return [lines[i] for i in order]


def _page_order(lines: list[_Line], page: list[int], headers: dict[int, _Header], pairs: Counter[str]) -> list[int]:
    starts = [i for i in page if i in headers]
    if not starts or (len(starts) == 1 and starts[0] == page[0]):
        return page
    # Bands: (full-width lines, left column); the last band's "left column" still holds the rights.
    bands: list[tuple[list[int], list[int]]] = []
    cursor = page[0]
    if starts[0] != page[0]:
        bands.append(([], list(range(page[0], starts[0]))))
    for number, start in enumerate(starts):
        header_end = start
        while header_end in headers[start].lines:
            header_end += 1
        until = starts[number + 1] if number + 1 < len(starts) else page[-1] + 1
        bands.append((list(range(start, header_end)), list(range(header_end, until))))
        cursor = until
    del cursor
    *known, (last_full, rest) = bands
    width = _column_width(lines, page)
    # The document running on from the page before: its signature may be on this page.
    running = next((headers[i].issuer for i in sorted(headers, reverse=True) if i < page[0]), None)
    first_bad = _bad_joins(lines, page, headers, pairs, width, running)
    best, best_bad = page, first_bad
    first_joins = _column_joins(lines, page, width, pairs)
    mended: tuple[int, list[int]] | None = None  # (sentences mended, order) on joins alone
    for shorter in range(1 << len(known)):
        rights = [len(left) - ((shorter >> k) & 1) for k, (_, left) in enumerate(known)]
        if min(rights, default=0) < 0:
            continue
        count = len(rest) - sum(rights)
        if count < 0:
            continue
        last_left = (count + 1) // 2
        columns = rest[last_left:]
        order: list[int] = []
        taken = 0
        for (full, left), right in zip(known, rights, strict=True):
            order.extend(full + left + columns[taken : taken + right])
            taken += right
        order.extend(last_full + rest[:last_left] + columns[taken:])
        bad = _bad_joins(lines, order, headers, pairs, width, running)
        if bad < best_bad:
            best, best_bad = order, bad
        if bad[0] <= first_bad[0] and sum(rights) >= _SHORTEST_MOVED_COLUMN:
            joins = _column_joins(lines, order, width, pairs)
            mends = sum(1 for i, n in joins.items() if n >= _WELL_JOINED and first_joins.get(i, 1) == 0)
            breaks = sum(1 for i, n in joins.items() if n == 0 and first_joins.get(i, 0) >= _WELL_JOINED)
            if mends and not breaks and (mended is None or mends > mended[0]):
                mended = (mends, order)
    # Reordered to mend a sentence broken off by a header or a heading, or one cut between two
    # characters the issue never writes together that the new order joins to characters it often
    # does, breaking no such join (a page in one column read right has nothing to gain).
    if best_bad[0] < first_bad[0]:
        return best
    if mended is not None:
        return mended[1]
    return page


def _column_joins(lines: list[_Line], order: list[int], width: int, pairs: Counter[str]) -> dict[int, int]:
    """For each line filled to the column's width that stops mid-sentence: how often the issue writes
    its last character before the first character of the line this order puts after it."""
    return {
        left: _join(lines[left], lines[right], pairs)
        for left, right in pairwise(order)
        if len(lines[left].squeezed) >= width and _dangles(lines[left])
    }


def _bad_joins(
    lines: list[_Line],
    order: list[int],
    headers: dict[int, _Header],
    pairs: Counter[str],
    width: int,
    running: str | None = None,
) -> tuple[int, int]:
    """What this order breaks: (strong signs: a line stopping mid-sentence followed by a header, a
    numbered heading or a signature date, none of which comes mid-sentence; a signature under the
    header of another issuer than its own while its own is on the page or runs on from the page
    before (`running`); a signature's issuer lines with no date under them while a date stands under
    no issuer — weak signs: a line followed
    by one whose first character the issue never writes after its last, as words are sometimes new)."""
    header_lines = {i for start in order if start in headers for i in headers[start].lines}
    issuers = [headers[i].issuer for i in order if i in headers and headers[i].issuer]
    if running:
        issuers.append(running)
    broken = weak = 0
    loose_signers = loose_dates = 0  # a signature's issuer lines and its date torn apart
    current: str | None = running
    for left, right in pairwise(order):
        if left in headers:
            current = headers[left].issuer
        if left not in header_lines and right not in header_lines:
            signer, dated = _is_issuer(lines[left]), _parse_date(lines[right].plain) is not None
            if signer and not dated and not _is_issuer(lines[right]) and not _PUBLIC_MARK.match(lines[right].plain):
                loose_signers += 1
            if dated and not signer:
                loose_dates += 1
        if (
            current
            and _parse_date(lines[right].plain) is not None
            and _is_issuer(lines[left])
            and not _issuers_match(current, _issuer_of(lines[left].text) or "")
            and any(_issuers_match(issuer, _issuer_of(lines[left].text) or "") for issuer in issuers)
        ):
            broken += 1
        # Only a line filled to the column's width can stop mid-sentence: a short one (a signature,
        # a heading) ends where it ends.
        if not _dangles(lines[left]) or len(lines[left].squeezed) < width:
            continue
        if (
            right in header_lines
            or _HEADING_START.match(lines[right].plain)
            or _parse_date(lines[right].plain) is not None
            or _PUBLIC_MARK.match(lines[right].plain)
        ):
            broken += 1
        elif _join(lines[left], lines[right], pairs) == 0:
            weak += 1
    return broken + min(loose_signers, loose_dates), weak


def _column_width(lines: list[_Line], page: list[int]) -> int:
    """Near the width most lines of the page fill (the longest lines but a few): a line this long
    was broken by the column's edge, not by its sense."""
    lengths = sorted(len(lines[i].squeezed) for i in page)
    return int(0.8 * lengths[int(len(lengths) * 0.75)]) if lengths else 0


class _Pairs:
    """The issue's character pairs, counted once and only if asked for (line order does not matter)."""

    def __init__(self, lines: list[_Line]) -> None:
        self._lines = lines
        self._counts: Counter[str] | None = None

    def counts(self) -> Counter[str]:
        if self._counts is None:
            self._counts = _line_pairs(self._lines)
        return self._counts


def _line_pairs(lines: list[_Line]) -> Counter[str]:
    """How often each pair of characters is written side by side in the issue (digits alike)."""
    text = _digits_alike("\n".join(line.squeezed for line in lines))
    return Counter(map(operator.add, text, text[1:]))


def _single_document(lines: list[_Line]) -> SplitDocument:
    """A page without a doc-number header (a policy web page): one document, title first line."""
    title = _squash_title(lines[0].text)
    signatures = _find_signatures(lines, set())
    last = signatures[max(signatures)] if signatures else None
    body = "\n".join(line.text for line in lines[1:])
    return SplitDocument(
        title=title,
        text=collapse_number_spaces(join_broken_lines(body)).strip(),
        doc_number=None,
        issuer=last.issuer if last else None,
        published=last.published if last else None,
    )


def split_issue(text: str) -> list[SplitDocument]:
    """Repair the text and cut it into documents, in the order they appear in the issue."""
    lines = _prepare_lines(text)
    if not lines:
        return []
    pairs = _Pairs(lines)
    headers = _find_headers(lines)
    ordered = _read_columns(lines, headers, pairs)
    # Headers are looked for again only where the column pass moved lines.
    splitter = _Splitter(ordered, pairs, headers if ordered is lines else None)
    lines = ordered
    if not splitter.headers:
        return [_single_document(lines)]
    documents = splitter.run()
    if splitter.problem is not None:
        return [_whole_issue(lines, splitter.problem)]
    return documents


def _whole_issue(lines: list[_Line], problem: str) -> SplitDocument:
    """An issue whose layout could not be placed: one document holding every line, never cut."""
    return SplitDocument(
        title=_squash_title(lines[0].text),
        text=collapse_number_spaces(join_broken_lines("\n".join(line.text for line in lines))).strip(),
        split_warning=problem,
    )
