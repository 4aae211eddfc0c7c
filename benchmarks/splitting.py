"""The splitter on the gazette corpus (`tests/data/gazettes`): the figures of `gazette eval-split`
per part, and the CPU time of extracting and splitting every issue."""

from __future__ import annotations

import time
from typing import Any

from benchmarks.common import ROOT
from gazette_local.split_corpus import load_corpus, report, score_corpus, split_file

CORPUS = ROOT / "tests" / "data" / "gazettes"


def run() -> dict[str, Any]:
    issues = load_corpus(CORPUS)
    started = time.process_time()
    for issue in issues:
        split_file(issue.input)
    split_cpu = time.process_time() - started
    data = report(score_corpus(issues))
    characters = sum(len(issue.input.read_text(encoding="utf-8")) for issue in issues)
    return {
        "parts": {part: body["summary"] for part, body in data["parts"].items()},
        "overall": data["overall"],
        "targets": data["targets"],
        "meets_targets": data["meets_targets"],
        "split_cpu_s": split_cpu,
        "characters": characters,
    }
