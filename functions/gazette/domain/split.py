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
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from gazette.domain.model import SplitDocument
from gazette.domain.repair import (
    collapse_number_spaces,
    is_standalone,
    is_title_like,
    join_broken_lines,
    repair_font_digits,
    strip_page_headers,
)


class SplitError(ValueError):
    """The text cannot be split (reserved for callers that need to reject an issue)."""


_BLANKS = " \t\u3000\xa0"
_DOC_NUMBER = re.compile(r"^([\u4e00-\u9fff]{1,12})[〔\[［【(（](\d{4})[〕\]］】)）](\d{1,4})号$")
_ORG_SUFFIX = r"(?:人民政府|政府|办公厅|办公室|委员会|管委会|办事处|中心|局|厅|部|委|院|署|办)"
_ISSUER = re.compile(rf"^[\u4e00-\u9fff（）]{{1,30}}{_ORG_SUFFIX}$")
_TITLE_END = re.compile(
    r"(?:通知|意见|决定|方案|预案|办法|规定|批复|报告|通报|公告|通告|函|令|规划|细则|纪要|条例|决议|命令"
    r"|答复|请示|规则|标准|措施|计划|要点|指引|指南|清单|目录|章程)》?$"
)
_TITLE_FORBIDDEN = re.compile(r"[，。；：,;:！？]")
_ARABIC_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_CN_NUMERALS = "〇零一二三四五六七八九"
_CHINESE_DATE = re.compile(
    rf"^([{_CN_NUMERALS}]{{4}})年([{_CN_NUMERALS}十]{{1,3}})月([{_CN_NUMERALS}十]{{1,3}})日$"
)
_PUBLIC_MARK = re.compile(r"^[（(]此件.{1,8}[）)]$")
_ADDRESSEE_ORG = re.compile(r"人民政府|部门|单位|机构|管委|办事处|委员会|直属")
_TERMINAL = tuple("。！？；：!?;:…”）)")
_CN_DIGITS = {ch: value for value, ch in enumerate("〇一二三四五六七八九")} | {"零": 0}
# Bigrams every title shares: they say nothing about which document a chunk belongs to.
_STOP_BIGRAMS = frozenset(
    ("关于", "印发", "的通", "通知", "的意", "意见", "的决", "决定", "实施", "进一", "一步")
)
_MAX_HEADER_TO_TITLE = 4  # title lines of a header
_MIN_CHUNK_CHARS = 300  # orphan chunks smaller than this are merged: too little text to compare
_CONTINUITY_BONUS = 1.25
_ANONYMOUS_REACH = 12  # a signed, title-less notice binds to a header at most this many lines later
_RETHREAD_REACH = 400  # lines after a dangling sentence searched for the column block that ends it


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    squeezed: str  # without any whitespace, for anchor regexes
    page_start: bool  # extractors indent the first line of a page or column


@dataclass(frozen=True, slots=True)
class _Header:
    start: int
    lines: tuple[int, ...]
    doc_number: str
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
    return re.sub(r"\s+", "", text)


def _squash_title(text: str) -> str:
    # Spaces next to CJK characters are extraction artefacts; spaces between Latin words are not.
    text = re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text.strip())
    return collapse_number_spaces(text)


def _prepare_lines(text: str) -> list[_Line]:
    text = strip_page_headers(collapse_number_spaces(repair_font_digits(text)))
    lines: list[_Line] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = raw.strip(_BLANKS)
        if stripped:
            lines.append(_Line(stripped, _squeeze(stripped), raw[:1] in _BLANKS))
    return lines


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


def _is_issuer(line: _Line) -> bool:
    return bool(_ISSUER.match(line.squeezed)) and "关于" not in line.squeezed


def _title_start(line: _Line) -> tuple[str | None, str] | None:
    """If the line opens a title (`关于…` or `<issuer>关于…`), return (issuer prefix, title part)."""
    position = line.squeezed.find("关于")
    if position < 0 or _TITLE_FORBIDDEN.search(line.squeezed):
        return None
    prefix = line.squeezed[:position]
    if prefix and not _ISSUER.match(prefix):
        return None
    title_text = line.text[line.text.find("关于") :] if "关于" in line.text else line.squeezed[position:]
    return (prefix or None), title_text


def _collect_title(lines: list[_Line], start: int) -> tuple[list[int], str | None, str] | None:
    """Title lines from `start` up to the one ending with a document type (通知, 意见, …)."""
    opened = _title_start(lines[start]) if start < len(lines) else None
    if opened is None:
        return None
    prefix, first = opened
    used, parts = [start], [first]
    index = start
    while not _TITLE_END.search(lines[index].squeezed):
        index += 1
        if (
            index >= len(lines)
            or index - start >= _MAX_HEADER_TO_TITLE
            or _TITLE_FORBIDDEN.search(lines[index].squeezed)
        ):
            # No document-type word: keep the first line only rather than swallow body text.
            return [start], prefix, first
        used.append(index)
        parts.append(lines[index].text)
    return used, prefix, " ".join(parts)


def _header_at(lines: list[_Line], index: int, number: str) -> _Header:
    # Usual order: number, issuer, title. Some pages print issuer and title above the number.
    issuer: str | None = None
    used = [index]
    cursor = index + 1
    if cursor < len(lines) and _is_issuer(lines[cursor]):
        issuer = lines[cursor].squeezed
        used.append(cursor)
        cursor += 1
    found = _collect_title(lines, cursor)
    if found is None and issuer is None:
        found = _title_before(lines, index)
        if found is not None and found[0][0] > 0 and _is_issuer(lines[found[0][0] - 1]):
            issuer = lines[found[0][0] - 1].squeezed
            used.append(found[0][0] - 1)
    title = None
    if found is not None:
        title_lines, prefix, title_text = found
        used.extend(title_lines)
        issuer = issuer or prefix
        title = _squash_title(title_text)
    return _Header(min(used), tuple(sorted(used)), number, issuer, title)


def _title_before(lines: list[_Line], index: int) -> tuple[list[int], str | None, str] | None:
    if index == 0 or not _TITLE_END.search(lines[index - 1].squeezed):
        return None
    for start in range(index - 1, max(-1, index - 1 - _MAX_HEADER_TO_TITLE), -1):
        found = _collect_title(lines, start)
        if found is not None and found[0][-1] == index - 1:
            return found
    return None


def _find_headers(lines: list[_Line]) -> dict[int, _Header]:
    headers: dict[int, _Header] = {}
    for index, line in enumerate(lines):
        match = _DOC_NUMBER.match(line.squeezed)
        if match:
            number = f"{match.group(1)}〔{match.group(2)}〕{match.group(3)}号"
            header = _header_at(lines, index, number)
            headers[header.start] = header
    return headers


def _find_signatures(lines: list[_Line], taken: set[int]) -> dict[int, _Signature]:
    signatures: dict[int, _Signature] = {}
    for index, line in enumerate(lines):
        published = _parse_date(line.squeezed)
        if published is None:
            continue
        issuer = None
        start = index
        if index > 0 and index - 1 not in taken and _is_issuer(lines[index - 1]):
            issuer, start = lines[index - 1].squeezed, index - 1
        end = index + 1 if index + 1 < len(lines) and _PUBLIC_MARK.match(lines[index + 1].squeezed) else index
        signatures[start] = _Signature(start, end, issuer, published)
    return signatures


def _is_addressee(lines: list[_Line], index: int) -> bool:
    """`各市人民政府，…，各直属机构：` — may wrap over a few lines and run into the body."""
    if "各" not in lines[index].squeezed[:8]:
        return False
    joined = "".join(line.squeezed for line in lines[index : index + 4])
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
    return re.sub(r"\d", "0", text)


def _dangles(line: _Line) -> bool:
    """The line stops mid-sentence: no closing punctuation, and not a line that stands alone."""
    return not line.squeezed.endswith(_TERMINAL) and not is_standalone(line.squeezed)


def _join(left: _Line, right: _Line, pairs: Counter[str]) -> int:
    """How often the issue writes the two characters that joining these lines puts side by side."""
    return pairs[_digits_alike(left.squeezed[-1] + right.squeezed[0])]


def _issuers_match(left: str, right: str) -> bool:
    return left.endswith(right) or right.endswith(left)


class _Splitter:
    """One pass over the lines, keeping the stack of open documents and the orphan text."""

    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.headers = _find_headers(lines)
        self.header_lines = {i for header in self.headers.values() for i in header.lines}
        self.signatures = _find_signatures(lines, self.header_lines)
        self.docs: list[_Doc] = []
        self.stack: list[_Doc] = []
        self.orphans: list[int] = []
        self._page_texts: list[str] | None = None
        self._idf_cache: dict[str, float] = {}

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
            if len(self.stack) >= 2:
                # Only one short notice nests inside another document; a deeper stack means the
                # outer document was never signed, so stop feeding it.
                self.stack.pop(0)
            doc = _Doc()
            self.docs.append(doc)
            self.stack.append(doc)
        doc.header = header
        self._resolve_orphans(doc)

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
            # A notice whose header comes later (or never): keep it as a title-less document.
            target = _Doc()
            self.docs.append(target)
        else:
            self.stack.remove(target)
        if target.signature is None:
            target.signature = signature
        target.pieces.extend(range(signature.start, signature.end + 1))

    def _resolve_orphans(self, upcoming: _Doc | None) -> None:
        if not self.orphans:
            return
        orphans, self.orphans = self.orphans, []
        signed = [doc for doc in self.docs if doc.signature and doc.header and doc is not upcoming]
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
                moved_on = self._score(chunk, keys[-1]) > max(scores)
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
                pairs = self._pair_counts()
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

    def _pair_counts(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for line in self.lines:
            text = _digits_alike(line.squeezed)
            counts.update(text[i : i + 2] for i in range(len(text) - 1))
        return counts

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
        for doc in self.docs:
            if doc.header is not None:
                result.append(self._build(doc))
        return result

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
    splitter = _Splitter(lines)
    if not splitter.headers:
        return [_single_document(lines)]
    return splitter.run()
