"""Repairs for text extracted from gazette PDFs.

Each repair is a small pure function; `repair_text` applies them in the order that makes the
later ones reliable: digits first (so the other rules see real numbers), then number spacing,
then running headers (whose regex expects real digits), and line joining last.
"""

from __future__ import annotations

import re

# Some gazette fonts map their digit glyphs to these CJK code points (a broken ToUnicode table):
# 园员圆猿源缘远苑愿怨 are 0-9 and 援 is the decimal point.
FONT_DIGITS = str.maketrans("园员圆猿源缘远苑愿怨援", "0123456789.")
_FONT_DIGIT_CHARS = "园员圆猿源缘远苑愿怨"
_FONT_RUN = re.compile(f"[{_FONT_DIGIT_CHARS}援]+")

# Characters that may follow a number: date parts, document-number 号, percent, ratio colon,
# brackets of 〔2024〕 and range dashes.
_NUMERIC_RIGHT = set("年月日号时%％：:.．·〕）)—-~～")
# Characters that may precede a number without being part of a word.
_NUMERIC_LEFT = set("〔（(第年月日：:—-~～至")
_SPACE = " \t\u3000\xa0"


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _neighbour(text: str, index: int, step: int) -> tuple[str, bool]:
    """The nearest non-space character from `index` in direction `step`, and whether spaces were
    skipped to reach it (a spaced-out token like ` 缘 月` is a number in broken PDFs)."""
    spaced = False
    while 0 <= index < len(text) and text[index] in _SPACE:
        spaced = True
        index += step
    if 0 <= index < len(text) and text[index] != "\n":
        return text[index], spaced
    return "", True


def _run_is_number(text: str, start: int, end: int) -> bool:
    run = text[start:end]
    left, left_spaced = _neighbour(text, start - 1, -1)
    right, right_spaced = _neighbour(text, end, 1)
    left_numeric = left == "" or left.isdigit() or left in _NUMERIC_LEFT
    right_numeric = right.isdigit() or right in _NUMERIC_RIGHT
    if right and right in "%％":
        return True
    if (left.isdigit() and not left_spaced) or (right.isdigit() and not right_spaced):
        # Glued to a real digit; but a lone character between a word and a number is a word's end
        # (`培训船员3000人次`), not a digit.
        other = right if left.isdigit() and not left_spaced else left
        return len(run) > 1 or not _is_cjk(other)
    if len(run) >= 3:
        # No real word is three or more of these characters in a row.
        return True
    if len(run) == 2:
        # 源源不断, 远远超过 are words; 缘圆% or 〔圆缘〕 are numbers.
        return right_numeric or (left_numeric and left != "")
    # A single character: 公园, 人员, 资源 must survive, so demand number context on both sides,
    # or a token spaced out on both sides as broken PDFs print dates (`年 缘 月`).
    if right_numeric and (left_numeric or not _is_cjk(left)):
        return True
    return right_numeric and left_spaced and right_spaced


def repair_font_digits(text: str) -> str:
    """Map the font's fake digits back to 0-9 and '.', only where they stand for numbers."""
    out: list[str] = []
    last = 0
    for match in _FONT_RUN.finditer(text):
        start, end = match.span()
        # 援 is also a common character (支援, 援助): it is a decimal point only between digits.
        while start < end and text[start] == "援":
            start += 1
        while end > start and text[end - 1] == "援":
            end -= 1
        if start == end or not _run_is_number(text, start, end):
            continue
        out.append(text[last:start])
        out.append(text[start:end].translate(FONT_DIGITS))
        last = end
    out.append(text[last:])
    return "".join(out)


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_ANY_FULLWIDTH_DIGIT = re.compile("[０-９]")
# Units and markers that are glued to a number in Chinese typesetting.
_UNITS = "年月日号时分秒期届次条款项个家名人位户座所台辆艘架吨元万亿千百倍级岁天周批件份张篇部类处%％"
_DIGIT_THEN_UNIT = re.compile(rf"(?<=\d)[ \t\u3000]+(?=[{_UNITS}])")
# `区 2024 年` -> `区2024年`: a space before a number is dropped only when that number carries a unit,
# so headings such as `1 总则` keep their space.
_CJK_THEN_NUMBER = re.compile(
    rf"(?<=[\u4e00-\u9fff〔（《“])[ \t\u3000]+(?=\d+(?:\.\d+)?[ \t\u3000]*[{_UNITS}])"
)
_BRACKET_YEAR_THEN_NUMBER = re.compile(r"(?<=〕)[ \t\u3000]+(?=\d)")


def collapse_number_spaces(text: str) -> str:
    """`2024 年 4 月 4 日` -> `2024年4月4日`, `〔2024〕21 号` -> `〔2024〕21号`, ０-９ -> 0-9."""
    if _ANY_FULLWIDTH_DIGIT.search(text):  # translating a whole text costs more than looking
        text = text.translate(_FULLWIDTH_DIGITS)
    text = _DIGIT_THEN_UNIT.sub("", text)
    text = _CJK_THEN_NUMBER.sub("", text)
    return _BRACKET_YEAR_THEN_NUMBER.sub("", text)


_ISSUE = r"\d{4}\s*(?:[·.．・‧•]\s*\d{1,2}|年\s*第\s*\d{1,3}\s*期)"
_HEADER_NAME = r"[\u4e00-\u9fff（）]{2,40}公[报報]"
_PAGE_HEADER = re.compile(
    rf"^[ \t\u3000]*(?:\d{{1,4}}[ \t\u3000]*)?{_HEADER_NAME}[ \t\u3000]*{_ISSUE}"
    r"(?:[ \t\u3000]*\d{1,4})?[ \t\u3000]*$"
    r"|^[ \t\u3000]*[-—–][ \t\u3000]*\d{1,4}[ \t\u3000]*[-—–][ \t\u3000]*$",
    re.MULTILINE,
)


def is_page_furniture(line: str) -> bool:
    """A running header or footer line: `5威海市文登区人民政府公报 2024·2`, `国务院公报 2018·24 3`, `— 6 —`."""
    return bool(_PAGE_HEADER.match(line))


def strip_page_headers(text: str) -> str:
    """Remove running headers/footers (`5威海市文登区人民政府公报 2024·2`, `— 6 —`), whole lines only."""
    return _PAGE_HEADER.sub("", text)


_TERMINAL = tuple("。！？；：!?;:…”」』")
_OPENING = tuple("（(《“")
_CLOSING = tuple("）)》”")
_CN_NUM = "一二三四五六七八九十百零〇"
_PARAGRAPH_START = re.compile(
    rf"^(?:[{_CN_NUM}]+、"  # 一、
    rf"|[（(][{_CN_NUM}\d]+[）)]"  # （一） (1)
    r"|\d{1,2}(?:\.\d{1,2})*(?:[、．]|\.(?!\d)|\s)"  # 1. 1.1 2、 — but not 2.5万
    rf"|第[{_CN_NUM}\d]+[章节条部分]"
    r"|——|[●■◆▲•]"
    r"|附件"
    r")"
)
_HEADING = re.compile(
    rf"^(?:[{_CN_NUM}]+、|\d{{1,2}}(?:\.\d{{1,2}})*\s+|第[{_CN_NUM}\d]+[章节条部分]\s*)[^，。；,;]{{1,30}}$"
)
_DOC_NUMBER_LINE = re.compile(r"^[\u4e00-\u9fff]{1,12}[〔\[［【(（]\d{4}[〕\]］】)）]\d{1,4}号$")
_CN_DATE_DIGITS = "〇零一二三四五六七八九"
_DATE_LINE = re.compile(
    r"^(?:\d{4}年\d{1,2}月\d{1,2}日"
    rf"|[{_CN_DATE_DIGITS}]{{4}}年[{_CN_DATE_DIGITS}十]{{1,3}}月[{_CN_DATE_DIGITS}十]{{1,3}}日)$"
)
_PUBLIC_MARK = re.compile(r"^[（(]此件.{1,8}[）)]$")
# A line that is only a bracketed year range under a title: `（2024—2026年）`.
_PARENTHESISED = re.compile(r"^[（(][\d—\-－~～年]{4,16}[）)]$")


def _squeeze(line: str) -> str:
    return "".join(line.split())


# A row of a list or table: words apart by a wide gap of full-width spaces (`组　长：韩　正　　国务院副总理`).
_ROW = re.compile(r"\S(?:\u3000[ \u3000]+|[ \u3000]+\u3000)\S")


# A dated step of a document's history under its title: `2020年8月24日 最高人民法院审判委员会…通过`.
_DATED_STEP = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日[ \u3000]+[^，。；,;]{1,40}$")


def is_standalone(line: str) -> bool:
    """Lines that are never continued on the next line: headings, numbers, dates, markers, rows."""
    squeezed = _squeeze(line)
    return bool(
        _HEADING.match(line)
        or _ROW.search(line)
        or _DATED_STEP.match(line)
        or _DOC_NUMBER_LINE.match(squeezed)
        or _DATE_LINE.match(squeezed)
        or _PUBLIC_MARK.match(squeezed)
        or _PARENTHESISED.match(squeezed)
    )


_DOC_TYPE_END = re.compile(
    r"(?:通知|意见|决定|方案|预案|办法|规定|批复|报告|通报|公告|通告|规划|细则|纪要|条例|决议|规则|措施|计划|要点)》?$"
)
_PUNCTUATION = re.compile(r"[，。；：、！？,;:!?]")


def is_title_like(paragraph: str) -> bool:
    """An attachment title (`山东省…实施方案`) above its body: short, unpunctuated, ends with a type."""
    # A line opening with 《 is the subject of a sentence (`《…方案》已经…同意`), not a title.
    return (
        len(paragraph) <= 40
        and not paragraph.startswith("《")
        and not _PUNCTUATION.search(paragraph)
        and bool(_DOC_TYPE_END.search(paragraph))
    )


def _starts_paragraph(line: str) -> bool:
    return bool(_PARAGRAPH_START.match(line)) or is_standalone(line)


def _glue(left: str, right: str) -> str:
    # English words need their space back; Chinese is written without spaces.
    if left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right


def _next_filled(lines: list[str]) -> list[str]:
    """For each line, the next non-empty line after it (computed backwards to stay linear)."""
    result = [""] * len(lines)
    upcoming = ""
    for index in range(len(lines) - 1, -1, -1):
        result[index] = upcoming
        if lines[index]:
            upcoming = lines[index]
    return result


def join_broken_lines(text: str) -> str:
    """Join line breaks inside sentences; keep paragraph breaks, headings and signature/date lines.

    PDF extraction often double-spaces every line; then blank lines carry no meaning and only
    punctuation and numbering decide where paragraphs end.
    """
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [line.strip(_SPACE) for line in raw]
    filled = sum(1 for line in lines if line)
    blanks = sum(1 for line in lines if not line)
    blanks_matter = filled > 0 and blanks < 0.4 * filled
    paragraphs: list[str] = []
    separators: list[str] = []
    current = ""
    pending_sep = "\n"
    following = _next_filled(lines)
    for index, line in enumerate(lines):
        if not line:
            if blanks_matter and current:
                paragraphs.append(current)
                separators.append(pending_sep)
                current, pending_sep = "", "\n\n"
            continue
        next_line = following[index]
        ends = current.endswith(_TERMINAL) or is_standalone(current) or is_title_like(current)
        # A signature issuer line is followed by its date line: keep it on its own.
        before_date = bool(_DATE_LINE.match(_squeeze(next_line)))
        # A number cited inside a sentence, alone on its line, stays in that sentence.
        inside_brackets = current.endswith(_OPENING) or line.startswith(_CLOSING)
        if current and (inside_brackets or (not ends and not _starts_paragraph(line) and not before_date)):
            current = _glue(current, line)
            continue
        if current:
            paragraphs.append(current)
            separators.append(pending_sep)
            pending_sep = "\n"
        current = line
        if before_date:
            paragraphs.append(current)
            separators.append(pending_sep)
            current, pending_sep = "", "\n"
    if current:
        paragraphs.append(current)
        separators.append(pending_sep)
    if not paragraphs:
        return ""
    out = [paragraphs[0]]
    for sep, paragraph in zip(separators[1:], paragraphs[1:], strict=True):
        out.append(sep + paragraph)
    return "".join(out)


def repair_text(text: str) -> str:
    """All repairs in order: font digits, number spacing, page headers, broken lines."""
    text = repair_font_digits(text)
    text = collapse_number_spaces(text)
    text = strip_page_headers(text)
    # Joining can bring a number and its unit (`较 2023` / `年`) onto one line: collapse again.
    return collapse_number_spaces(join_broken_lines(text))
