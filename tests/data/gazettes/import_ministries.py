"""Import ministry documents (部门文件) into `sources/pbc.jsonl` and `sources/ndrc.jsonl`.

The State Council gazette prints, after the State Council's own documents, documents of its
ministries and commissions, often issued jointly. Two public sources:

* `pbc-*`: normative documents of the People's Bank of China (银发〔YYYY〕N号, 银办发〔YYYY〕N号),
  alone or jointly with other ministries, as published on www.pbc.gov.cn's 条法司 pages. Their
  texts come from the public repository angelala00/pbc_regulations (a crawl of those pages:
  `files/extract_uniq/tiaofasi_normative_document_extract.json` lists each document, its text file
  and how the text was obtained; `..._uniq_state.json` gives each page's address). Only texts taken
  from the HTML page itself are used (not those read from PDF scans), and only documents whose
  text carries a signature date line.
* `ndrc-*`: documents of the National Development and Reform Commission, from page captures kept
  in `sources/pages/` (the page's address on its first line, then the page's text).

    python tests/data/gazettes/import_ministries.py PBC_REGULATIONS_CHECKOUT

A page's text is its title line (the title followed by the number in brackets), sometimes the
title again without the number, then the document as printed: addressee, text, signature lines,
date, attachments. The issuers are the names before 关于 (separated by spaces when joint).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PBC_OUT = HERE / "sources" / "pbc.jsonl"
NDRC_OUT = HERE / "sources" / "ndrc.jsonl"
PAGES = HERE / "sources" / "pages"
TASK = "tiaofasi_normative_document"
TITLE = re.compile(r"^(?P<title>.+?)\s*[（(](?P<number>银(?:办)?发〔\d{4}〕\d{1,4}号)[）)]$")
DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
MAX_CHARS = 12_000


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def first_date(lines: list[str]) -> str | None:
    for line in lines:
        match = DATE.match(squeeze(line))
        if match:
            y, m, d = (int(g) for g in match.groups())
            return f"{y:04d}-{m:02d}-{d:02d}"
    return None


def split_issuers(title: str) -> tuple[list[str], str]:
    """`中国人民银行 财政部关于…` -> (["中国人民银行", "财政部"], "关于…")."""
    head, sep, rest = title.partition("关于")
    if not sep or not head.strip():
        raise ValueError(title)
    return head.split(), sep + rest


def pbc_records(checkout: Path) -> list[dict]:
    base = checkout / "files" / "extract_uniq"
    entries = json.loads((base / f"{TASK}_extract.json").read_text(encoding="utf-8"))["entries"]
    states = json.loads((base / f"{TASK}_uniq_state.json").read_text(encoding="utf-8"))["entries"]
    state = {e["serial"]: e for e in states}
    records = []
    for entry in sorted(entries, key=lambda e: e["serial"]):
        if entry.get("status") != "success" or entry.get("source_type") != "html" or entry.get("need_ocr"):
            continue
        match = TITLE.match(entry["title"].strip())
        if not match:
            continue
        text = (base / entry["text_path"].removeprefix("extract_uniq/")).read_text(encoding="utf-8")
        if len(text) > MAX_CHARS:
            continue
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if squeeze(lines[0]) != squeeze(entry["title"]):
            continue
        title = match.group("title").strip()
        body = lines[1:]
        # The page may print the title again, without its number, over one to three lines.
        again = next((k for k in (1, 2, 3) if squeeze("".join(body[:k])) == squeeze(title)), 0)
        body = body[again:]
        published = first_date(body)
        if published is None:
            continue
        issuers, short = split_issuers(title)
        pages = [d["url"] for d in state[entry["serial"]]["documents"] if d["type"] == "html"]
        records.append(
            {
                "id": f"pbc-{entry['serial']:03d}",
                "source": pages[0],
                "doc_number": match.group("number"),
                "issuer": " ".join(issuers),
                "title": short,
                "published": published,
                "title_lines": [title],
                "body_lines": body,
            }
        )
    return records


def page_records() -> list[dict]:
    """A capture: address, then `**`-marked title lines, the number line, and the document."""
    records = []
    for path in sorted(PAGES.glob("ndrc-*.md")):
        address, *rest = path.read_text(encoding="utf-8").splitlines()
        lines = [line.replace("**", "").strip() for line in rest if line.strip()]
        at = next(i for i, line in enumerate(lines) if re.match(r"^[\u4e00-\u9fff]{2,10}〔\d{4}〕\d{1,4}号$", line))
        title_lines, number, body = lines[:at], lines[at], lines[at + 1 :]
        full = "".join(title_lines)
        head, _, rest_title = full.partition("关于")
        # `国家发展改革委等部门关于…`: the signatures name the issuers, one per line before the date.
        dated = next(i for i, line in enumerate(body) if DATE.match(squeeze(line)))
        signers = []
        for line in reversed(body[:dated]):
            if len(squeeze(line)) > 12 or "。" in line:
                break
            signers.insert(0, squeeze(line))
        records.append(
            {
                "id": path.stem,
                "source": address.strip(),
                "doc_number": number,
                "issuer": " ".join(signers) if head.endswith("等部门") else head,
                "title": "关于" + rest_title,
                "published": first_date(body[dated:]),
                "title_lines": title_lines,
                "body_lines": body,
            }
        )
    return records


def write(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def main(checkout: str) -> int:
    pbc = pbc_records(Path(checkout))
    ndrc = page_records()
    write(PBC_OUT, pbc)
    write(NDRC_OUT, ndrc)
    print(f"{len(pbc)} documents written to {PBC_OUT.name}, {len(ndrc)} to {NDRC_OUT.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
