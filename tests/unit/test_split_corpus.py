"""The gazette corpus through the splitter and the scorer: each part must meet the targets.

Targets (issue 14): at least 98% of documents with number, title and date exact; purity and
completeness of the texts at least 99% each; the tuned and the held-out parts judged apart.
Failures name the figures only: what goes wrong on held-out issues is not shown here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gazette_local.split_corpus import load_corpus, report, score_corpus

CORPUS = Path(__file__).resolve().parents[1] / "data" / "gazettes"

@pytest.fixture(scope="module")
def corpus_report() -> dict:
    return report(score_corpus(load_corpus(CORPUS)))


def test_split_corpus_has_thirty_issues_and_two_hundred_documents_in_two_parts(corpus_report: dict) -> None:
    parts = corpus_report["parts"]
    assert set(parts) == {"tuned", "held-out"}
    assert corpus_report["overall"]["issues"] >= 30
    assert corpus_report["overall"]["documents_expected"] >= 200
    # About a third of the issues are held out.
    assert 0.25 <= parts["held-out"]["summary"]["issues"] / corpus_report["overall"]["issues"] <= 0.4


@pytest.mark.parametrize("part", ["tuned", "held-out"])
def test_split_corpus_part_meets_the_targets(corpus_report: dict, part: str) -> None:
    summary = corpus_report["parts"][part]["summary"]
    figures = {key: summary[key] for key in ("exact_share", "purity", "completeness")}
    assert summary["meets_targets"], f"{part}: {figures} below {corpus_report['targets']}"


def test_split_corpus_seed_issue_gives_seven_documents_whole_and_exact(corpus_report: dict) -> None:
    seed = next(item for item in corpus_report["parts"]["tuned"]["issues"] if item["issue"] == "real-wendeng-2024-02")
    assert (seed["documents_found"], seed["documents_spurious"], seed["number_title_date_exact"]) == (7, 0, 7)
    assert [doc["wrong"] for doc in seed["documents"]] == [{}] * 7
    # Whole texts: the weather plan's glossary back in the weather plan, nothing foreign anywhere.
    assert seed["impure_or_spurious"] == []
    assert [doc["completeness"] for doc in seed["documents"]] == [1.0] * 7


def test_split_corpus_expected_texts_are_lines_of_their_issue() -> None:
    """Every line of an expected text is a line of its issue (text issues), as often as it is
    expected: the expected split is cut out of the issue, nothing is added to it."""
    from collections import Counter

    for issue in load_corpus(CORPUS):
        if issue.input.suffix != ".txt":
            continue
        available = Counter(line.strip() for line in issue.input.read_text(encoding="utf-8").splitlines())
        wanted = Counter(line.strip() for doc in issue.expected for line in doc.text.splitlines())
        missing = wanted - available
        assert not missing, f"{issue.id}: expected lines not in the issue: {list(missing)[:3]}"
        # What is left over is headers (number, issuer, title) and page furniture only.
        left_over = sum((available - wanted).values()) - available[""]
        assert left_over <= 8 * len(issue.expected) + issue.input.read_text(encoding="utf-8").count("\n") // 30, (
            f"{issue.id}: {left_over} lines belong to no expected document"
        )


def test_split_corpus_real_issues_are_in_the_part_the_rule_gives() -> None:
    """A real issue's part is computed by the corpus's own rule (by source document), never chosen
    after seeing how the splitter does on it."""
    import importlib.util
    import json
    import sys

    spec = importlib.util.spec_from_file_location("gazette_corpus_compose", CORPUS / "compose.py")
    assert spec is not None and spec.loader is not None
    compose = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = compose  # its dataclasses look their module up there
    spec.loader.exec_module(compose)
    sources = compose.load_sources()
    issues = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))["issues"]
    manifest = {item["id"]: item for item in issues}
    real = [json.loads(path.read_text(encoding="utf-8")) for path in sorted((CORPUS / "real").glob("*.json"))]
    assert [(item["id"], manifest[item["id"]]["part"]) for item in real] == [
        (item["id"], compose.real_part(item, sources)) for item in real
    ]
    assert manifest["real-wendeng-2024-02"]["part"] == "tuned"
