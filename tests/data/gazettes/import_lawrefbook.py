"""Import judicial interpretations (司法解释) into `sources/spc.jsonl`, and the decisions and
resolutions of provincial and city people's congress standing committees into `sources/local.jsonl`.

Input: the folders `司法解释/` and `DLC/*/地方性法规/` of the public repository LawRefBook/Laws
(Markdown texts of the Supreme People's Court's and Supreme People's Procuratorate's
interpretations and decisions, and of local regulations and decisions).

    python tests/data/gazettes/import_lawrefbook.py LAWS_CHECKOUT [COMMIT]

A file is `# title`, adoption lines, `<!-- INFO END -->`, then the document as printed. Kept are
the documents whose title names their issuer(s) before 关于: with their printed header (issuer
lines, title lines, the number 法释〔YYYY〕N号) when the text has one, else (decisions printed
without a number) the title alone. The adoption lines (meeting, date of effect) are printed under
the title in the gazettes and are kept as the first lines of the text. Markdown heading marks
(`## `) are markup, not text, and are dropped. These documents carry no signature or date line.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "sources" / "spc.jsonl"
LOCAL_OUT = HERE / "sources" / "local.jsonl"
# A standing committee's decision or resolution (决定, 决议): issued by a body ending in 会, unnumbered.
LOCAL_ISSUER = re.compile(r"^([\u4e00-\u9fff]{2,12}(?:人民代表大会常务委员会|人大常委会))关于.*(?:决定|决议)$")
NUMBER = re.compile(r"^法释〔\d{4}〕\d{1,3}号$")
ISSUERS = re.compile(r"^((?:最高人民法院|最高人民检察院)(?:[、\s]+(?:最高人民法院|最高人民检察院))?)\s*关于")
MIN_CHARS, MAX_CHARS = 600, 12_000


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def main(checkout: str, commit: str = "") -> int:
    records = []
    for path in sorted((Path(checkout) / "司法解释").glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        if "<!-- INFO END -->" not in raw:
            continue
        head, _, body = raw.partition("<!-- INFO END -->")
        title_line = head.strip().splitlines()[0]
        title = title_line.lstrip("# ").strip()
        match = ISSUERS.match(title)
        if not match:
            continue
        issuers = re.split(r"[、\s]+", match.group(1))
        adoption = [line.strip() for line in head.strip().splitlines()[1:] if line.strip()]
        lines = [re.sub(r"^#+\s*", "", line).strip() for line in body.splitlines()]
        lines = [line for line in lines if line]
        at = next((i for i, line in enumerate(lines[:8]) if NUMBER.match(squeeze(line))), None)
        if at is not None:
            header, text, number = lines[: at + 1], lines[at + 1 :], squeeze(lines[at])
            if squeeze("".join(header[:-1])) != squeeze(title):
                continue  # the printed header is not the title: leave it out rather than guess
        else:
            header, text, number = [title], lines, None
        text = adoption + text
        chars = sum(len(line) for line in text)
        if not MIN_CHARS <= chars <= MAX_CHARS:
            continue
        short = title[match.end() - 2 :]
        records.append(
            {
                "id": "spc-" + re.sub(r"\W+", "", path.stem)[-24:],
                "source": f"https://github.com/LawRefBook/Laws/blob/{commit or 'main'}/司法解释/{path.name}",
                "doc_number": number,
                "issuer": " ".join(issuers),
                "title": short,
                "published": None,
                "title_lines": header,
                "body_lines": text,
            }
        )
    # All numbered ones and all decisions (决定); of the rest, every eighth (by file name): enough of
    # each kind without letting one court's style outweigh the other sources.
    unnumbered = [r for r in records if not r["doc_number"] and not r["title"].endswith("决定")]
    records = [r for r in records if r["doc_number"] or r["title"].endswith("决定") or r in unnumbered[::8]]
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    numbered = sum(1 for r in records if r["doc_number"])
    print(f"{len(records)} documents ({numbered} numbered) written to {OUT.name}")
    local = []
    for path in sorted((Path(checkout) / "DLC").glob("*/地方性法规/**/*.md")):
        raw = path.read_text(encoding="utf-8")
        head, marker, body = raw.partition("<!-- INFO END -->")
        title = head.strip().splitlines()[0].lstrip("# ").strip() if marker else ""
        match = LOCAL_ISSUER.match(title)
        if not match:
            continue
        adoption = [line.strip() for line in head.strip().splitlines()[1:] if line.strip()]
        lines = [re.sub(r"^#+\s*", "", line).strip() for line in body.splitlines()]
        text = adoption + [line for line in lines if line]
        if sum(len(line) for line in text) < 200:
            continue
        local.append(
            {
                "id": "local-" + re.sub(r"\W+", "", path.stem)[-24:],
                "source": f"https://github.com/LawRefBook/Laws/blob/{commit or 'main'}/"
                + str(path.relative_to(checkout)).replace("\\", "/"),
                "doc_number": None,
                "issuer": match.group(1),
                "title": title[len(match.group(1)) :],
                "published": None,
                "title_lines": [title],
                "body_lines": text,
            }
        )
    LOCAL_OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in local), encoding="utf-8")
    print(f"{len(local)} documents written to {LOCAL_OUT.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
