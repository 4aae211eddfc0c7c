"""Import real State Council documents (www.gov.cn policy pages) into `sources/govcn.jsonl`.

Input: a MySQL dump of a crawl of www.gov.cn/zhengce/content pages, table `ge_policy_raw`
(crawl_url, title, release_office, release_number, content = the page's content block as HTML),
published in the public repository ZhouYNF/platform-1 (`db/ge_policy_raw20190217.sql`).

    python tests/data/gazettes/import_govcn.py DUMP.sql

Each page's paragraphs (`<p>`, `<br>`) become lines, exactly as printed; the title lines are those
before the document-number line, the body everything after it (addressee, text, signature, date,
（此件公开发布）, attachments). Pages that are not one dated, numbered document (State Council
decrees numbered 第N号, pages made of large tables) are left out.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from pathlib import Path

import lxml.html

HERE = Path(__file__).resolve().parent
OUT = HERE / "sources" / "govcn.jsonl"
MAX_HTML = 40_000  # characters of content HTML: larger pages are mostly tables
NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,12}〔\d{4}〕\d{1,4}号$")
DATE = re.compile(
    r"^(?:\d{4}年\d{1,2}月\d{1,2}日|[〇零一二三四五六七八九]{4}年[〇一二三四五六七八九十]{1,3}月[〇一二三四五六七八九十]{1,3}日)$"
)
CN = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}


def lines_of(html: str) -> list[str]:
    root = lxml.html.fromstring(f"<div>{html}</div>")
    lines = []
    for paragraph in root.iter("p"):
        for br in paragraph.iter("br"):
            br.tail = "\n" + (br.tail or "")
        for line in paragraph.text_content().split("\n"):
            line = line.replace("\xa0", " ").strip(" \t\u3000")
            if line:
                lines.append(line)
    return lines


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def small(text: str) -> int:
    if "十" not in text:
        return CN[text]
    tens, _, units = text.partition("十")
    return (CN[tens] if tens else 1) * 10 + (CN[units] if units else 0)


def iso(line: str) -> str:
    match = re.match(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$", line)
    if match:
        y, m, d = (int(g) for g in match.groups())
    else:
        year, rest = line.split("年")
        month, rest = rest.split("月")
        y, m, d = int("".join(str(CN[c]) for c in year)), small(month), small(rest.rstrip("日"))
    return f"{y:04d}-{m:02d}-{d:02d}"


def main(dump: str) -> int:
    con = sqlite3.connect(":memory:")
    con.execute(
        "create table ge_policy_raw (id, crawl_url, crawl_time, index_number, title, release_office, release_number,"
        " policy_basis, wiritten_time, release_time, effect_time, content, image_url, status, html, remark)"
    )
    con.executescript(Path(dump).read_text(encoding="utf-8"))
    records, skipped = [], []
    rows = con.execute(
        "select crawl_url, title, release_office, release_number, content from ge_policy_raw order by id"
    )
    for url, title, office, number, content in rows:
        if len(content) > MAX_HTML or not NUMBER.match(number or ""):
            skipped.append((number, "table page" if len(content) > MAX_HTML else "no 〔〕 number"))
            continue
        lines = lines_of(content)
        at = next((i for i, line in enumerate(lines) if squeeze(line) == number), None)
        if at is None or squeeze("".join(lines[:at])) != squeeze(title):
            skipped.append((number, "header not as printed"))
            continue
        body = lines[at + 1 :]
        dated = next((i for i, line in enumerate(body) if DATE.match(squeeze(line))), None)
        if dated is None:
            skipped.append((number, "no date line"))
            continue
        issuers = office.split("、")
        prefix = office
        short = title[len(prefix) :] if title.startswith(prefix) and len(title) > len(prefix) else title
        records.append(
            {
                "id": "govcn-" + url.rsplit("_", 1)[1].split(".")[0],
                "source": url,
                "doc_number": number,
                "issuer": " ".join(issuers),
                "title": short,
                "published": iso(squeeze(body[dated])),
                "title_lines": lines[:at],
                "body_lines": body,
                "html": content,
            }
        )
    OUT.parent.mkdir(exist_ok=True)
    with OUT.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{len(records)} documents written to {OUT.name}; left out: {skipped}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
