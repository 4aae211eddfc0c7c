"""Build the gazette corpus and its expected split: real issues with their documents' lines
(`real/*.json`), and issues composed from real documents in the layouts real gazettes use.

    python tests/data/gazettes/compose.py        # rewrites issues/, expected/ and manifest.json

Deterministic: every choice comes from `random.Random(SEED)`. The documents' words are never
written here: every line of an issue is a line of a real document (see SOURCES.md), re-broken,
re-spaced or re-scripted as a gazette's typesetting or its PDF extraction would, or a running
page header/footer. The expected output of each issue is written from the same lines:

    {"issue": id, "documents": [{"doc_number", "issuer", "title", "published", "text"}]}

where `text` is the document's lines after its header block (number, issuer, title), in reading
order, page headers excluded; `title` is the title without the issuer's name in front; joint
issuers are separated by a space. Each source document belongs to one part only ("tuned" or
"held-out", about a third held out), so no held-out text is ever seen while tuning.

Layouts (each issue has one; see `LAYOUTS`):

* ordinary: number, issuer, title over one or two lines, body as printed, running page headers
  with the page number on the left or on the right;
* pdf: the same extracted from a PDF: lines broken at the column width, spaces around numbers
  (`2019 年 1 月 27 日`, `〔2019〕5 号`), footers `— 12 —`;
* title-first: the title (with the issuer's name) above the number, as the State Council's
  pages print it;
* traditional: the ordinary layout in Traditional script (號, 發, 辦);
* chinese-dates: signature dates in Chinese numerals (二〇一九年一月二十七日);
* two-column: pages of two columns read by a column-major extractor, so the right column of a page
  comes after the next document's header and first column (the seed's fault);
* cited-number: a cited document number alone on a line inside the body (`…《通知》（` /
  `国发〔2019〕4号` / `）…`);
* html: an HTML issue page holding each document's page content as published;
* two-column-headed: two-column pages that also open with a running header (gazette, issue, page);
* title-first-pdf: the title-first layout extracted from a PDF (broken lines, spaced numbers);
* two-column-title-first: two-column pages with running headers, each document's title above its
  number.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SEED = 20240502
HELD_OUT_SHARE = 1 / 3

CN_DIGITS = "〇一二三四五六七八九"
DATE_LINE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
# A cited number inside brackets; the brackets stay with the text around it.
CITED = re.compile(r"(?<=[（(])([\u4e00-\u9fff]{1,10}〔\d{4}〕\d{1,4}号)(?=[）)])")


@dataclass
class Doc:
    id: str
    source: str
    doc_number: str | None
    issuer: str
    title: str
    published: str
    title_lines: list[str]
    body_lines: list[str]
    html: str = ""


@dataclass
class Printed:
    """A document as laid out: header lines, body lines, and what is expected of it."""

    doc: Doc
    header: list[str]
    body: list[str]
    fields: dict[str, str | None] = field(default_factory=dict)


def load_sources() -> list[Doc]:
    docs = []
    for path in sorted((HERE / "sources").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line)
            docs.append(Doc(**{key: raw.get(key, "") for key in Doc.__dataclass_fields__}))
    return docs


def part_of(doc: Doc) -> str:
    digest = int(hashlib.sha256(doc.id.encode()).hexdigest()[:8], 16)
    return "held-out" if digest % 3 == 0 else "tuned"


# ------------------------------------------------------------------------- line transformations


def wrap(line: str, width: int) -> list[str]:
    if width <= 0 or len(line) <= width:
        return [line]
    return [line[i : i + width] for i in range(0, len(line), width)]


def spaced(line: str) -> str:
    """How PDF extraction spaces numbers: `2019 年 1 月 27 日`, `〔2019〕5 号`."""
    line = re.sub(r"(\d)(年|月|日|号)", r"\1 \2", line)
    return re.sub(r"(年|月)(\d)", r"\1 \2", line)


def chinese_date(line: str) -> str:
    match = DATE_LINE.match(line)
    if not match:
        return line
    year, month, day = match.groups()

    def small(n: int) -> str:
        if n < 10:
            return CN_DIGITS[n]
        tens, units = divmod(n, 10)
        return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[units] if units else "")

    return "".join(CN_DIGITS[int(c)] for c in year) + f"年{small(int(month))}月{small(int(day))}日"


_CONVERTERS: list[object] = []


def traditional(text: str) -> str:
    """Simplified to Traditional by OpenCC's phrase-aware `s2t` (opencc==1.4.2 from PyPI): a
    tool's conversion, as Hong Kong and Taiwan reprints of mainland documents are made."""
    if not _CONVERTERS:
        try:
            import opencc  # only needed to regenerate the corpus, never by the project
        except ImportError as exc:
            raise SystemExit(
                "compose.py needs opencc==1.4.2 (pip install opencc==1.4.2) for the Traditional layout"
            ) from exc
        _CONVERTERS.append(opencc.OpenCC("s2t"))
    return _CONVERTERS[0].convert(text)  # type: ignore[attr-defined]


def split_title(title: str, rng: random.Random) -> list[str]:
    """A title over one line, or two when long, broken where a typesetter might."""
    if len(title) <= 22:
        return [title]
    cut = rng.randint(len(title) // 2 - 3, len(title) // 2 + 3)
    return [title[:cut], title[cut:]]


# ------------------------------------------------------------------------------- headers


def ordinary_header(doc: Doc, rng: random.Random) -> list[str]:
    issuer_line = "\u3000".join(doc.issuer.split())
    return (
        [doc.doc_number or "", issuer_line, *split_title(doc.title, rng)]
        if doc.doc_number
        else [issuer_line, *split_title(doc.title, rng)]
    )


def title_first_header(doc: Doc, rng: random.Random) -> list[str]:
    return [*doc.title_lines, doc.doc_number] if doc.doc_number else list(doc.title_lines)


def title_first_header_once(doc: Doc, rng: random.Random) -> list[str]:
    """The title above the number, the number printed once (some sources' title lines end with it)."""
    title = [line for line in doc.title_lines if line != doc.doc_number]
    return [*title, doc.doc_number] if doc.doc_number else title


# ------------------------------------------------------------------------------- pages


def header_line(gazette: str, year: int, number: int, page: int, style: int) -> str:
    if style == 0:
        return f"{page}{gazette} {year}·{number}"
    if style == 1:
        return f"{gazette} {year}·{number}{page}"
    if style == 2:
        return f"— {page} —"
    return f"{gazette}  {year}年第{number}期  {page}"


def paginate(
    lines: list[tuple[str, int | None]], per_page: int, furniture: Callable[[int], str]
) -> list[tuple[str, int | None]]:
    """Insert a running header or footer line every `per_page` lines (owner None)."""
    out: list[tuple[str, int | None]] = []
    page = 1
    for index, item in enumerate(lines):
        if index and index % per_page == 0:
            out.append((furniture(page), None))
            page += 1
        out.append(item)
    out.append((furniture(page), None))
    return out


def two_columns(
    printed: list[Printed], rows: int, running: Callable[[int], str] | None = None, keep_headers: bool = False
) -> list[tuple[str, int | None]]:
    """Typeset in two columns with full-width headers, then read column by column, page by page.

    A column-major extractor reads a page's whole left column (passing full-width headers as it
    meets them) before its right column: the end of one document lands after the next one's
    header and first column. With `running`, each page also opens with a running header line;
    with `keep_headers`, a header that does not fit at the foot of a page goes whole to the next.
    """
    # Cells: ("full", text, owner) spans both columns; ("col", text, owner) is one column line.
    cells: list[tuple[str, str, int]] = []
    for owner, item in enumerate(printed):
        cells.extend(("full", line, owner) for line in item.header)
        cells.extend(("col", line, owner) for line in item.body)  # already broken at the column width
    out: list[tuple[str, int | None]] = []
    position = 0
    page = 0
    while position < len(cells):
        page += 1
        if running is not None:
            out.append((running(page), None))
        # Fill one page: bands of two columns separated by full-width lines.
        bands: list[tuple[list[tuple[str, int]], list[tuple[str, int]], list[tuple[str, int]]]] = []
        used_rows = 0
        while position < len(cells) and used_rows < rows:
            fulls: list[tuple[str, int]] = []
            if keep_headers and cells[position][0] == "full":
                size = next((k for k in range(position, len(cells)) if cells[k][0] != "full"), len(cells)) - position
                if used_rows and used_rows + size + 2 > rows:
                    break  # the header and two lines of its text start the next page
            while position < len(cells) and cells[position][0] == "full" and used_rows < rows:
                fulls.append((cells[position][1], cells[position][2]))
                position += 1
                used_rows += 1
            column: list[tuple[str, int]] = []
            while position < len(cells) and cells[position][0] == "col":
                column.append((cells[position][1], cells[position][2]))
                position += 1
                if len(column) >= 2 * (rows - used_rows):
                    break
            half = (len(column) + 1) // 2
            bands.append((fulls, column[:half], column[half:]))
            used_rows += half
        for fulls, left, _ in bands:
            out.extend((text, owner) for text, owner in fulls)
            out.extend((text, owner) for text, owner in left)
        for _, _, right in bands:
            out.extend((text, owner) for text, owner in right)
        out.append((str(page), None))  # the page number alone at the foot
    return out


# ------------------------------------------------------------------------------- layouts


@dataclass(frozen=True)
class Layout:
    name: str
    header: Callable[[Doc, random.Random], list[str]]
    width: int = 0  # line width of the extraction (0: paragraphs as printed)
    pdf_spacing: bool = False
    script: str = "simplified"
    dates: str = "arabic"
    furniture: int = 0  # page header style
    per_page: int = 40
    columns: bool = False
    cited_alone: bool = False
    html: bool = False
    running_header: bool = False  # two-column pages that also open with a running header
    keep_headers: bool = False  # two-column pages never break inside a header


# The State Council gazette prints its ministries' documents (部门文件) after its own.
GAZETTES = {"govcn": "国务院公报", "spc": "最高人民法院公报", "pbc": "国务院公报", "ndrc": "国务院公报"}

LAYOUTS = [
    Layout("ordinary", ordinary_header, furniture=0),
    Layout("pdf", ordinary_header, width=22, pdf_spacing=True, furniture=2, per_page=36),
    Layout("title-first", title_first_header, furniture=1),
    Layout("traditional", ordinary_header, width=24, script="traditional", furniture=3, per_page=38),
    Layout("chinese-dates", ordinary_header, width=22, dates="chinese", furniture=1, per_page=36),
    Layout("two-column", ordinary_header, width=20, pdf_spacing=True, columns=True, per_page=40),
    Layout("cited-number", ordinary_header, width=23, cited_alone=True, furniture=0, per_page=36),
    Layout("html", title_first_header, html=True),
    Layout("two-column-headed", ordinary_header, width=21, pdf_spacing=True, columns=True, per_page=44,
           furniture=0, running_header=True, keep_headers=True),
    Layout("title-first-pdf", title_first_header_once, width=22, pdf_spacing=True, furniture=2, per_page=36),
    Layout("two-column-title-first", title_first_header_once, width=19, pdf_spacing=True, columns=True, per_page=38,
           furniture=1, running_header=True, keep_headers=True),
]


def body_lines(doc: Doc, layout: Layout) -> list[str]:
    lines = []
    for line in doc.body_lines:
        if layout.dates == "chinese":
            line = chinese_date(line)
        if layout.cited_alone and CITED.search(line):
            # Break the paragraph so that the cited number stands alone on its line.
            pieces = CITED.split(line)
            for index, piece in enumerate(pieces):
                if index % 2:
                    lines.append(piece)
                elif piece:
                    lines.extend(wrap(piece, layout.width))
            continue
        lines.extend(wrap(line, layout.width))
    if layout.pdf_spacing:
        lines = [spaced(line) for line in lines]
    return lines


def compose_issue(issue_id: str, docs: list[Doc], layout: Layout, rng: random.Random) -> tuple[str, list[dict]]:
    printed = []
    for doc in docs:
        header = layout.header(doc, rng)
        if layout.pdf_spacing:
            header = [spaced(line) for line in header]
        printed.append(Printed(doc, header, body_lines(doc, layout)))
    if layout.script == "traditional":
        for item in printed:
            item.header = [traditional(line) for line in item.header]
            item.body = [traditional(line) for line in item.body]
    year = next((int(doc.published[:4]) for doc in docs if doc.published), 2024)
    # A standing committee publishes its own gazette (北京市人民代表大会常务委员会公报).
    gazette = GAZETTES.get(docs[0].id.split("-")[0]) or docs[0].issuer.split()[0] + "公报"
    number = rng.randint(1, 36)
    if layout.html:
        text = html_issue(printed, f"{gazette} {year}年第{number}期")
    else:
        if layout.columns:
            running = (
                (lambda page: header_line(gazette, year, number, page, layout.furniture))
                if layout.running_header
                else None
            )
            lines = two_columns(printed, layout.per_page, running, layout.keep_headers)
        else:
            lines = [(line, owner) for owner, item in enumerate(printed) for line in item.header + item.body]
            lines = paginate(
                lines, layout.per_page, lambda page: header_line(gazette, year, number, page, layout.furniture)
            )
        text = "\n".join(line for line, _ in lines) + "\n"
    expected = []
    for item in printed:
        convert = traditional if layout.script == "traditional" else (lambda s: s)
        expected.append(
            {
                "doc_number": convert(item.doc.doc_number) if item.doc.doc_number else None,
                "issuer": convert(item.doc.issuer),
                "title": convert(item.doc.title),
                "published": item.doc.published,
                "text": "\n".join(item.body),
            }
        )
    return text, expected


def html_issue(printed: list[Printed], heading: str) -> str:
    """One page holding the issue: each document's published paragraphs, one after the other, in
    the content block the State Council's pages use (their own table cell wrappers taken off)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8"><title>' + html.escape(heading) + "</title></head><body>",
        '<div class="pages_content" id="UCAP-CONTENT">',
    ]
    for item in printed:
        inner = re.sub(r"^\s*<tbody>\s*<tr>\s*<td[^>]*>", "", item.doc.html)
        inner = re.sub(r"</td>\s*</tr>\s*</tbody>\s*$", "", inner)
        parts.append(f'<div class="article">{inner}</div>')
    parts.append("</div></body></html>")
    return "\n".join(parts) + "\n"


# ------------------------------------------------------------------------------- the corpus

# (collection, layout, issues per part, documents per issue); a collection is one gazette's kind
# of document: State Council documents (govcn), the Supreme People's Court's and Procuratorate's
# interpretations and decisions (spc), which print their issuers above the title and often no number,
# or the decisions and resolutions of provincial and city people's congress standing committees
# (local: issuers ending in 会, no number), ministry documents (ministry: the People's Bank of
# China's 银发 documents and the NDRC's, alone or jointly with other ministries: issuers ending in
# 行, 委, 部, 局, 会), or State Council and ministry documents in one issue (mixed).
COLLECTIONS = {
    "ministry": ("pbc-", "ndrc-"),
    "mixed": ("govcn-", "pbc-", "ndrc-"),
    "all": ("govcn-", "spc-", "local-", "pbc-", "ndrc-"),
}

PLAN = [
    ("govcn", "ordinary", {"tuned": 5, "held-out": 2}, (5, 8)),
    ("govcn", "pdf", {"tuned": 3, "held-out": 2}, (5, 8)),
    ("govcn", "title-first", {"tuned": 3, "held-out": 2}, (5, 8)),
    ("govcn", "traditional", {"tuned": 2, "held-out": 1}, (5, 7)),
    ("govcn", "chinese-dates", {"tuned": 2, "held-out": 1}, (5, 7)),
    ("govcn", "two-column", {"tuned": 3, "held-out": 1}, (4, 7)),
    ("govcn", "cited-number", {"tuned": 2, "held-out": 1}, (4, 6)),
    ("govcn", "html", {"tuned": 2, "held-out": 1}, (5, 7)),
    ("spc", "title-first", {"tuned": 3, "held-out": 2}, (5, 8)),
    ("spc", "ordinary", {"tuned": 1, "held-out": 1}, (5, 8)),
    ("spc", "pdf", {"tuned": 2, "held-out": 1}, (5, 8)),
    ("spc", "two-column", {"tuned": 1, "held-out": 1}, (4, 6)),
    ("spc", "traditional", {"tuned": 1, "held-out": 0}, (4, 6)),
    ("local", "title-first", {"tuned": 1, "held-out": 1}, (4, 6)),
    ("local", "ordinary", {"tuned": 1, "held-out": 1}, (4, 6)),
    ("local", "pdf", {"tuned": 1, "held-out": 0}, (4, 6)),
    ("ministry", "ordinary", {"tuned": 2, "held-out": 1}, (4, 6)),
    ("ministry", "pdf", {"tuned": 2, "held-out": 1}, (4, 6)),
    ("ministry", "title-first", {"tuned": 2, "held-out": 1}, (4, 6)),
    ("ministry", "chinese-dates", {"tuned": 1, "held-out": 1}, (4, 6)),
    ("ministry", "two-column", {"tuned": 1, "held-out": 1}, (4, 6)),
    ("ministry", "cited-number", {"tuned": 1, "held-out": 1}, (3, 5)),
    ("mixed", "ordinary", {"tuned": 1, "held-out": 1}, (5, 7)),
    # Added later, tuned part only (the held-out part stays as it was): documents of every kind
    # side by side (numbered and not, short and long, issuers ending in 院, 会, 行, 委, 部, 厅), in the
    # layouts that mix them worst.
    ("all", "two-column", {"tuned": 3}, (4, 7)),
    ("all", "two-column-headed", {"tuned": 3}, (4, 7)),
    ("all", "two-column-title-first", {"tuned": 3}, (4, 6)),
    ("all", "pdf", {"tuned": 2}, (5, 8)),
    ("all", "title-first-pdf", {"tuned": 3}, (5, 8)),
    ("all", "title-first", {"tuned": 1}, (5, 8)),
    ("all", "ordinary", {"tuned": 1}, (5, 8)),
    ("all", "cited-number", {"tuned": 2}, (4, 6)),
    ("all", "chinese-dates", {"tuned": 1}, (4, 6)),
    ("all", "traditional", {"tuned": 1}, (4, 6)),
    ("ministry", "two-column-headed", {"tuned": 2}, (3, 5)),
    ("spc", "two-column-headed", {"tuned": 1}, (4, 6)),
    ("local", "two-column", {"tuned": 1}, (3, 5)),
]


SOURCES_HEAD = """# Sources of the gazette corpus

Generated by `compose.py` (do not edit by hand). Every document's text comes from the public
source listed here; nothing in an issue was written for the purpose, apart from the running page
headers and footers (a gazette name, an issue and a page number), which belong to no document.
How each kind was obtained:

* `govcn-*`: State Council and State Council General Office documents as published on
  www.gov.cn (`/zhengce/content/...` pages), taken from a public crawl of those pages (a MySQL dump,
  `db/ge_policy_raw20190217.sql` in the public GitHub repository ZhouYNF/platform-1) by
  `import_govcn.py`: each page's paragraphs as printed, its document number, issuer and title.
  Issues composed from them (`composed-*`) re-lay those lines in the layouts listed in
  `compose.py`; Traditional-script issues are OpenCC 1.4.2 `s2t` conversions of them.
* `spc-*`: judicial interpretations and decisions of the Supreme People's Court and the Supreme
  People's Procuratorate, from the public repository LawRefBook/Laws (folder `司法解释/`, Markdown
  of the published texts) by `import_lawrefbook.py`: the printed header (issuers, title, number
  法释〔YYYY〕N号) where the text carries one, the adoption lines printed under the title, then the
  text; heading marks (`## `) dropped. Where the source text prints no number, none is expected.
  These documents end without a signature or a date line, so no date is expected of them.
* `local-*`: decisions (决定) and resolutions (决议) of provincial and city people's congress standing
  committees (Beijing, Shanghai, Shandong, Henan), from the same repository (`DLC/*/地方性法规/`) by
  `import_lawrefbook.py`: title, adoption lines, text; no number, signature or date line is printed.
* `pbc-*`: normative documents of the People's Bank of China (银发〔YYYY〕N号), alone or jointly
  with other ministries, as published on www.pbc.gov.cn (条法司 pages, address in the table), from
  the public repository angelala00/pbc_regulations (commit b6c20151832d3329f63c7101435111ce5edc887e,
  `files/extract_uniq/`: each page's text as crawled; only texts taken from the HTML page, not from
  PDF scans) by `import_ministries.py`: number and issuers from the page's title, then the text.
* `ndrc-*`: documents of the National Development and Reform Commission as published on
  www.ndrc.gov.cn, from a capture of the page's text (`sources/pages/`, address on its first line)
  by `import_ministries.py`; joint documents (国家发展改革委等部门) name their issuers in the signature.

Each source document belongs to one part only; the held-out part is never shown while tuning.

| source id | part | document number | issuer | title | date | address |
|---|---|---|---|---|---|---|
"""


def real_part(spec: dict, sources: list[Doc]) -> str:
    """The part of a real issue, by the rule the composed issues follow: by source document.

    A real issue is its own source document (its documents are printed in it and nowhere else in
    the corpus), so it is held out when `part_of` holds out its id, the same hash and share as
    for source documents. When one of its documents is also a source document (same number), the
    issue goes with that document's part, so that no text is in both parts; documents of both
    parts in one issue cannot be split and the issue is refused. The rule is applied before the
    splitter ever sees the issue; a `part` written in the spec must agree with it.
    """
    parts_by_number = {doc.doc_number: part_of(doc) for doc in sources if doc.doc_number}
    shared = {parts_by_number[d["doc_number"]] for d in spec["documents"] if d["doc_number"] in parts_by_number}
    if len(shared) > 1:
        raise SystemExit(f"{spec['id']}: holds source documents of both parts")
    part = shared.pop() if shared else part_of(Doc(spec["id"], "", None, "", "", "", [], []))
    if spec.get("part", part) != part:
        raise SystemExit(f"{spec['id']}: part {spec['part']!r} in the spec, {part!r} by the rule")
    return part


def compose_real(spec_path: Path, sources: list[Doc]) -> dict:
    """A real issue: its text as published, and each document's lines by the line numbers in `spec_path`.

    Every non-blank line must belong to exactly one document (its header or its text) or be a
    running page header: an issue whose lines are not all accounted for is refused. Its part is
    given by `real_part`.
    """
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    part = real_part(spec, sources)
    source = ROOT / spec["input"]
    lines = source.read_text(encoding="utf-8").split("\n")
    owners: dict[int, str] = {}

    def claim(ranges: list[list[int]], owner: str) -> list[int]:
        numbers = [n for first, last in ranges for n in range(first, last + 1) if lines[n - 1].strip()]
        for n in numbers:
            if n in owners:
                raise SystemExit(f"{spec_path.name}: line {n} belongs to {owners[n]} and to {owner}")
            owners[n] = owner
        return numbers

    expected = []
    for doc in spec["documents"]:
        claim(doc["header"], doc["doc_number"] + " header")
        numbers = claim(doc["lines"], doc["doc_number"])
        expected.append(
            {
                "doc_number": doc["doc_number"],
                "issuer": doc["issuer"],
                "title": doc["title"],
                "published": doc["published"],
                "text": "\n".join(lines[n - 1].strip() for n in numbers),
            }
        )
    claim(spec.get("furniture", []), "page furniture")
    unowned = [n for n, line in enumerate(lines, 1) if line.strip() and n not in owners]
    if unowned:
        raise SystemExit(f"{spec_path.name}: lines without an owner: {unowned[:20]}")
    issue_id = spec["id"]
    suffix = source.suffix
    (HERE / "issues" / f"{issue_id}{suffix}").write_bytes(source.read_bytes())
    (HERE / "expected" / f"{issue_id}.json").write_text(
        json.dumps({"issue": issue_id, "documents": expected}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    return {
        "id": issue_id,
        "input": f"issues/{issue_id}{suffix}",
        "expected": f"expected/{issue_id}.json",
        "part": part,
        "kind": "real",
        "layout": spec.get("layout", "pdf two-column"),
        "sources": [spec["source"]],
    }


def write_sources(docs: list[Doc]) -> None:
    rows = [
        f"| {doc.id} | {part_of(doc)} | {doc.doc_number or '—'} | {doc.issuer} | {doc.title} | {doc.published or '—'} "
        f"| {doc.source} |"
        for doc in docs
    ]
    (HERE / "SOURCES.md").write_text(SOURCES_HEAD + "\n".join(rows) + "\n", encoding="utf-8")


def main() -> int:
    rng = random.Random(SEED)
    docs = load_sources()
    write_sources(docs)
    by_part = {
        "tuned": [d for d in docs if part_of(d) == "tuned"],
        "held-out": [d for d in docs if part_of(d) == "held-out"],
    }
    layouts = {layout.name: layout for layout in LAYOUTS}
    for folder in ("issues", "expected"):
        (HERE / folder).mkdir(exist_ok=True)
        for old in [*(HERE / folder).glob("composed-*"), *(HERE / folder).glob("real-*")]:
            old.unlink()
    manifest_issues = []
    for collection, name, counts, (low, high) in PLAN:
        layout = layouts[name]
        for part, count in counts.items():
            prefixes = COLLECTIONS.get(collection, (collection + "-",))
            pool = [doc for doc in by_part[part] if doc.id.startswith(prefixes)]
            if layout.cited_alone:
                pool = [d for d in pool if any(CITED.search(line) for line in d.body_lines)] or pool
            if layout.html:
                pool = [d for d in pool if d.html]
            for index in range(count):
                wanted = rng.randint(low, high)
                issue_pool = pool
                if collection == "local":
                    # One standing committee's gazette prints its own decisions: one issuer per issue
                    # when one has enough of them.
                    issuers = sorted({doc.issuer for doc in pool})
                    big = [name for name in issuers if sum(doc.issuer == name for doc in pool) >= low]
                    if big:
                        issuer = rng.choice(big)
                        issue_pool = [doc for doc in pool if doc.issuer == issuer]
                chosen = rng.sample(issue_pool, min(len(issue_pool), wanted))
                issue_id = f"composed-{collection}-{name}-{part}-{index + 1}"
                text, expected = compose_issue(issue_id, chosen, layout, rng)
                suffix = ".html" if layout.html else ".txt"
                (HERE / "issues" / f"{issue_id}{suffix}").write_text(text, encoding="utf-8")
                (HERE / "expected" / f"{issue_id}.json").write_text(
                    json.dumps({"issue": issue_id, "documents": expected}, ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8",
                )
                manifest_issues.append(
                    {
                        "id": issue_id,
                        "input": f"issues/{issue_id}{suffix}",
                        "expected": f"expected/{issue_id}.json",
                        "part": part,
                        "kind": "composed",
                        "layout": name,
                        "sources": [doc.source for doc in chosen],
                    }
                )
    real = [compose_real(path, docs) for path in sorted((HERE / "real").glob("*.json"))]
    manifest_path = HERE / "manifest.json"
    manifest = {"format": 1, "seed": SEED, "issues": real + manifest_issues}
    counts = {
        i["id"]: len(json.loads((HERE / i["expected"]).read_text(encoding="utf-8"))["documents"])
        for i in manifest["issues"]
    }
    rows = [
        f"| {i['id']} | {i['kind']} | {i['layout']} | {i['part']} | {counts[i['id']]} |" for i in manifest["issues"]
    ]
    with (HERE / "SOURCES.md").open("a", encoding="utf-8") as sources:
        sources.write("\n## Issues\n\n| issue | kind | layout | part | documents |\n|---|---|---|---|---|\n")
        sources.write("\n".join(rows) + "\n")
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    total = sum(
        len(json.loads((HERE / i["expected"]).read_text(encoding="utf-8"))["documents"]) for i in manifest["issues"]
    )
    print(f"{len(manifest['issues'])} issues, {total} documents")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
