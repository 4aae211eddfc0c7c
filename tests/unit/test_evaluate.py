"""Evaluation arithmetic on a hand-made set, the report, and the gate on the development set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gazette.domain.classify import Classifier, default_classifier
from gazette.domain.evaluate import (
    DomainMetrics,
    cross_validate,
    evaluate,
    format_report,
    load_jsonl,
    split,
    term_support,
)
from gazette.domain.model import Classification, Evidence
from gazette.domain.taxonomy import load_taxonomy

TESTS = Path(__file__).parent.parent
DEVSET = TESTS / "data" / "devset.jsonl"
SEED_DOCUMENTS = TESTS / "fixtures" / "seed_documents.json"


class FakeClassifier:
    """Predicts what each record's title says (labels made up: this tests arithmetic)."""

    domains = ("a", "b", "c", "d")

    def __init__(self, predictions: dict[str, tuple[str, ...]]) -> None:
        self.predictions = predictions

    def classify(self, title: str, body: str = "", doc_number: str | None = None) -> Classification:
        predicted = self.predictions[title]
        return Classification(
            domains=predicted,
            scores={d: (0.9 if d in predicted else 0.1) for d in self.domains},
            evidence={
                d: (Evidence(term=f"term-{d}", where="title", count=1, weight=4.0),) for d in predicted
            },
        )


RECORDS = [
    {"id": "r1", "title": "t1", "body": "", "domains": ["a"]},
    {"id": "r2", "title": "t2", "body": "", "domains": ["a", "b"]},
    {"id": "r3", "title": "t3", "body": "", "domains": []},
    {"id": "r4", "title": "t4", "body": "", "domains": ["b"]},
    {"id": "r5", "title": "t5", "body": "", "doc_number": "X-1", "domains": ["c"]},
]
PREDICTIONS = {"t1": ("a",), "t2": ("a",), "t3": ("b",), "t4": ("b",), "t5": ()}


def test_evaluate_hand_made_predictions_count_true_false_positives_and_negatives() -> None:
    report = evaluate(FakeClassifier(PREDICTIONS), RECORDS)

    assert report.per_domain["a"] == DomainMetrics("a", tp=2, fp=0, fn=0)
    assert report.per_domain["b"] == DomainMetrics("b", tp=1, fp=1, fn=1)
    assert report.per_domain["c"] == DomainMetrics("c", tp=0, fp=0, fn=1)
    assert report.per_domain["d"] == DomainMetrics("d", tp=0, fp=0, fn=0)


def test_evaluate_hand_made_predictions_give_precision_recall_f1_and_support() -> None:
    report = evaluate(FakeClassifier(PREDICTIONS), RECORDS)

    a, b, c, d = (report.per_domain[x] for x in "abcd")
    assert (a.precision, a.recall, a.f1, a.support) == (1.0, 1.0, 1.0, 2)
    assert (b.precision, b.recall, b.f1, b.support) == (0.5, 0.5, 0.5, 2)
    # nothing predicted but one expected: precision 0, recall 0
    assert (c.precision, c.recall, c.f1, c.support) == (0.0, 0.0, 0.0, 1)
    # nothing predicted and nothing expected: a perfect score, not a failure
    assert (d.precision, d.recall, d.f1, d.support) == (1.0, 1.0, 1.0, 0)


def test_evaluate_hand_made_predictions_give_macro_f1_and_exact_match() -> None:
    report = evaluate(FakeClassifier(PREDICTIONS), RECORDS)

    assert report.macro_f1 == pytest.approx((1.0 + 0.5 + 0.0 + 1.0) / 4)
    assert report.records == 5
    assert report.exact == 2
    assert report.exact_match == pytest.approx(0.4)


def test_evaluate_unbalanced_counts_give_the_textbook_formulas() -> None:
    metrics = DomainMetrics("x", tp=3, fp=1, fn=2)

    assert metrics.precision == pytest.approx(0.75)
    assert metrics.recall == pytest.approx(0.6)
    assert metrics.f1 == pytest.approx(2 * 0.75 * 0.6 / (0.75 + 0.6))


def test_evaluate_misclassified_records_keep_expected_predicted_and_evidence() -> None:
    report = evaluate(FakeClassifier(PREDICTIONS), RECORDS)

    assert [m.id for m in report.misclassified] == ["r2", "r3", "r5"]
    r3 = report.misclassified[1]
    assert (r3.expected, r3.predicted) == ((), ("b",))
    assert r3.evidence["b"][0].term == "term-b"


def test_evaluate_label_unknown_to_the_classifier_is_reported_but_not_in_macro_f1() -> None:
    records = [{"id": "r1", "title": "t1", "domains": ["a", "zz"]}]

    report = evaluate(FakeClassifier({"t1": ("a",)}), records)

    assert report.per_domain["zz"] == DomainMetrics("zz", tp=0, fp=0, fn=1)
    assert "zz" not in report.domains
    assert report.macro_f1 == pytest.approx(1.0)


def test_format_report_shows_the_table_then_misclassified_documents_with_evidence() -> None:
    text = format_report(evaluate(FakeClassifier(PREDICTIONS), RECORDS))

    lines = text.splitlines()
    assert lines[0].split() == ["domain", "precision", "recall", "f1", "support", "tp", "fp", "fn"]
    assert lines[2].split() == ["b", "0.500", "0.500", "0.500", "2", "1", "1", "1"]
    assert "macro-F1 over 4 domains: 0.625" in text
    assert "exact match: 2/5" in text
    assert "- [r3] t3" in text
    assert "expected: (none); predicted: b" in text
    assert "term-b (title x1, +4.00)" in text


def test_load_jsonl_reads_records_and_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS[:2]) + "\n\n", encoding="utf-8"
    )

    assert load_jsonl(path) == RECORDS[:2]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"title": "x"}', "needs 'title' and 'domains'"),
        ('{"title": "x", "domains": "a"}', "must be a list"),
    ],
)
def test_load_jsonl_bad_record_names_its_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\n" + line + "\n", encoding="utf-8")

    with pytest.raises(ValueError, match=f"line 2: .*{message}"):
        load_jsonl(path)


# --- the gate --------------------------------------------------------------------------------


def test_gate_seed_documents_are_all_exactly_right() -> None:
    records = json.loads(SEED_DOCUMENTS.read_text(encoding="utf-8"))

    report = evaluate(default_classifier(), records)

    assert report.records == 7
    assert report.exact == 7, format_report(report)


# Measured with the scoring chosen by cross-validation on the tuned split (265 untouched records):
# macro-F1 0.919, recall bidding 0.957, consumption 0.796, disasters 0.827, science 0.873.  The
# targets are not met; this marker goes when they are (strict: a pass without removing it fails).
@pytest.mark.xfail(strict=True, reason="issue 15: the untouched split's macro-F1 is 0.919, below 0.95")
def test_gate_untouched_split_meets_the_targets() -> None:
    """The issue's targets, scored on the split nobody tunes on."""
    report = evaluate(default_classifier(), split(load_jsonl(DEVSET), "untouched"))

    assert report.macro_f1 >= 0.95, format_report(report, errors=False)
    assert all(report.per_domain[d].recall >= 0.90 for d in report.domains), format_report(report, errors=False)


# The floor is the figure last measured on the untouched split (265 records: macro-F1 0.919, with
# the scoring chosen by cross-validation on the tuned split); records added later are never tuned
# on, so adding them re-measures it.
def test_gate_untouched_split_does_not_fall_below_its_measured_macro_f1() -> None:
    records = split(load_jsonl(DEVSET), "untouched")
    assert len(records) >= 265

    report = evaluate(default_classifier(), records)

    assert report.macro_f1 >= 0.91, format_report(report, errors=False)


def test_development_set_every_record_has_a_split_and_at_least_a_third_is_untouched() -> None:
    records = load_jsonl(DEVSET)

    assert {record.get("split") for record in records} == {"tune", "untouched"}
    assert 3 * len(split(records, "untouched")) >= len(records)


def test_taxonomy_no_term_exists_only_to_flip_one_tuning_record() -> None:
    """A term earns its place across several tuning records: none found in exactly one tuning
    record of its domain decides that record's domains."""
    taxonomy = load_taxonomy()
    classifier = Classifier(taxonomy)
    records = {str(r["id"]): r for r in split(load_jsonl(DEVSET), "tune")}

    flips = []
    for key, holders in term_support(classifier, records.values()).items():
        if len(holders) != 1:
            continue
        record = records[next(iter(holders))]
        with_term = classifier.classify(record["title"], record["body"], record.get("doc_number"))
        without = Classifier(taxonomy, exclude=frozenset([key])).classify(
            record["title"], record["body"], record.get("doc_number")
        )
        if with_term.domains != without.domains:
            flips.append((key, record["id"]))

    assert flips == []


def test_cross_validate_tuned_split_classifies_every_record_once_and_no_better_than_whole() -> None:
    records = split(load_jsonl(DEVSET), "tune")

    folded = cross_validate(load_taxonomy(), records)
    whole = evaluate(default_classifier(), records)

    assert folded.records == len(records)
    assert folded.macro_f1 <= whole.macro_f1


def test_format_report_without_errors_shows_the_table_only() -> None:
    text = format_report(evaluate(FakeClassifier(PREDICTIONS), RECORDS), errors=False)

    assert "Misclassified" not in text
    assert text.splitlines()[-1] == "macro-F1 over 4 domains: 0.625; exact match: 2/5 (40.0%)"
