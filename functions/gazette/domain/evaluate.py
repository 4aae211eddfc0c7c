"""Evaluate a classifier against labelled documents: per-domain precision, recall and F1, macro-F1,
and the misclassified documents with their evidence.

Labelled records are dicts ``{"id", "title", "body", "doc_number"?, "domains": [...], "split"?}``,
read from JSON Lines by ``load_jsonl``.  The development set's ``split`` is ``tune`` (the taxonomy
may be edited looking at these records' errors) or ``untouched`` (validation only); the figures
of the two are reported apart, with a k-fold figure on the tuned split beside them
(``cross_validate``).

Conventions for empty cases (so that a domain nobody predicted and nobody labelled is not a
failure): precision is 1.0 when nothing was predicted and nothing was expected, 0.0 when nothing
was predicted but something was expected; recall is 1.0 when nothing was expected and nothing was
predicted, 0.0 when nothing was expected but something was predicted; F1 is their harmonic mean
(0.0 when both are 0).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from gazette.domain.model import Classification, Evidence

__all__ = [
    "MIN_TERM_SUPPORT",
    "DomainMetrics",
    "EvalReport",
    "Misclassified",
    "cross_validate",
    "evaluate",
    "format_report",
    "load_jsonl",
    "split",
    "term_support",
]

# In cross-validation, a term found in a held-out fold's records of its domain is kept for that
# fold only when at least this many records of the other folds hold it too.
MIN_TERM_SUPPORT = 2


class _Classifier(Protocol):
    @property
    def domains(self) -> tuple[str, ...]: ...

    def classify(self, title: str, body: str = "", doc_number: str | None = None) -> Classification: ...


@dataclass(frozen=True, slots=True)
class DomainMetrics:
    domain: str
    tp: int
    fp: int
    fn: int

    @property
    def support(self) -> int:
        """How many records are labelled with the domain."""
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        predicted = self.tp + self.fp
        if predicted:
            return self.tp / predicted
        return 1.0 if self.support == 0 else 0.0

    @property
    def recall(self) -> float:
        if self.support:
            return self.tp / self.support
        return 1.0 if self.fp == 0 else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class Misclassified:
    id: str
    title: str
    expected: tuple[str, ...]
    predicted: tuple[str, ...]
    scores: dict[str, float]
    evidence: dict[str, tuple[Evidence, ...]]


@dataclass(frozen=True, slots=True)
class EvalReport:
    domains: tuple[str, ...]  # the domains macro-F1 is taken over (the classifier's)
    per_domain: dict[str, DomainMetrics]  # also holds labels the classifier does not know
    records: int
    exact: int  # records whose predicted set equals the expected set
    misclassified: list[Misclassified] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        if not self.domains:
            return 0.0
        return sum(self.per_domain[d].f1 for d in self.domains) / len(self.domains)

    @property
    def exact_match(self) -> float:
        return self.exact / self.records if self.records else 1.0


def _classify(classifier: _Classifier, record: dict[str, Any]) -> Classification:
    return classifier.classify(record.get("title") or "", record.get("body") or "", record.get("doc_number"))


def evaluate(
    classifier: _Classifier, records: Iterable[dict[str, Any]], domains: Sequence[str] | None = None
) -> EvalReport:
    """Classify every record and compare with its ``domains`` labels."""
    macro_domains = tuple(domains) if domains is not None else tuple(classifier.domains)
    return _score(macro_domains, ((record, _classify(classifier, record)) for record in records))


def _score(
    macro_domains: tuple[str, ...], results: Iterable[tuple[dict[str, Any], Classification]]
) -> EvalReport:
    counts: dict[str, list[int]] = {d: [0, 0, 0] for d in macro_domains}
    misclassified: list[Misclassified] = []
    total = exact = 0
    for number, (record, result) in enumerate(results, start=1):
        expected = tuple(dict.fromkeys(record.get("domains") or ()))
        predicted = tuple(result.domains)
        total += 1
        for domain in {*expected, *predicted}:
            tally = counts.setdefault(domain, [0, 0, 0])
            if domain in expected and domain in predicted:
                tally[0] += 1
            elif domain in predicted:
                tally[1] += 1
            else:
                tally[2] += 1
        if set(expected) == set(predicted):
            exact += 1
        else:
            misclassified.append(
                Misclassified(
                    id=str(record.get("id", f"#{number}")),
                    title=record.get("title") or "",
                    expected=expected,
                    predicted=predicted,
                    scores=dict(result.scores),
                    evidence=dict(result.evidence),
                )
            )
    per_domain = {d: DomainMetrics(d, *tally) for d, tally in counts.items()}
    return EvalReport(macro_domains, per_domain, total, exact, misclassified)


def split(records: Iterable[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The records of one split (``tune`` or ``untouched``)."""
    return [record for record in records if record.get("split") == name]


def term_support(classifier: Any, records: Iterable[dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    """For every (domain, term) of the classifier's taxonomy, the ids of the records labelled
    with that domain in which the term is found."""
    support: dict[tuple[str, str], set[str]] = {}
    for number, record in enumerate(records, start=1):
        labels = set(record.get("domains") or ())
        title, body = record.get("title") or "", record.get("body") or ""
        for domain, term in classifier.matched_terms(title, body, record.get("doc_number")):
            if domain in labels:
                support.setdefault((domain, term), set()).add(str(record.get("id", f"#{number}")))
    return support


def _fold(record_id: str, folds: int) -> int:
    return int(hashlib.sha256(("gazette-devset-fold:" + record_id).encode("utf-8")).hexdigest(), 16) % folds


def cross_validate(taxonomy: Any, records: Sequence[dict[str, Any]], folds: int = 5) -> EvalReport:
    """k-fold estimate of how the taxonomy does on records it was not tuned on.

    The records are dealt into ``folds`` folds by a hash of their id.  Each fold is classified
    by the taxonomy without the terms that only it justifies: a term found in the fold's records
    of its domain is left out unless the other folds' records of that domain hold it at least
    ``MIN_TERM_SUPPORT`` times.  The pooled predictions are scored like ``evaluate``'s."""
    from gazette.domain.classify import Classifier  # the domain's own classifier

    full = Classifier(taxonomy)
    ids = [str(record.get("id", f"#{number}")) for number, record in enumerate(records, start=1)]
    support = term_support(full, records)
    fold_of = {record_id: _fold(record_id, folds) for record_id in ids}
    results: list[tuple[dict[str, Any], Classification]] = []
    for fold in range(folds):
        members = [record for record, record_id in zip(records, ids, strict=True) if fold_of[record_id] == fold]
        if not members:
            continue
        exclude = frozenset(
            key
            for key, holders in support.items()
            if any(fold_of[h] == fold for h in holders)
            and sum(fold_of[h] != fold for h in holders) < MIN_TERM_SUPPORT
        )
        classifier = full if not exclude else Classifier(taxonomy, exclude=exclude)
        results.extend((record, _classify(classifier, record)) for record in members)
    return _score(tuple(full.domains), results)


def load_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read labelled records, one JSON object a line (blank lines skipped)."""
    records: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}, line {number}: invalid JSON: {exc.msg}") from None
            if not isinstance(record, dict) or "title" not in record or "domains" not in record:
                raise ValueError(f"{path}, line {number}: a record needs 'title' and 'domains'")
            if not isinstance(record["domains"], list):
                raise ValueError(f"{path}, line {number}: 'domains' must be a list")
            records.append(record)
    return records


def _evidence_line(domain: str, score: float, evidence: Sequence[Evidence], limit: int = 6) -> str:
    shown = ", ".join(f"{e.term} ({e.where} x{e.count}, {e.weight:+.2f})" for e in evidence[:limit])
    more = f", ... {len(evidence) - limit} more" if len(evidence) > limit else ""
    return f"    {domain} {score:.2f}: {shown}{more}"


def format_report(report: EvalReport, evidence_limit: int = 6, errors: bool = True) -> str:
    """A table of per-domain metrics, then (unless ``errors`` is false) every misclassified
    record with its evidence."""
    width = max([len("domain"), *(len(d) for d in report.per_domain)])
    lines = [
        f"{'domain':<{width}}  precision  recall     f1  support    tp    fp    fn",
    ]
    ordered = list(report.domains) + sorted(d for d in report.per_domain if d not in report.domains)
    for domain in ordered:
        m = report.per_domain[domain]
        note = "" if domain in report.domains else "  (not a classifier domain)"
        lines.append(
            f"{domain:<{width}}  {m.precision:9.3f}  {m.recall:6.3f}  {m.f1:5.3f}  {m.support:7d}"
            f"  {m.tp:4d}  {m.fp:4d}  {m.fn:4d}{note}"
        )
    lines.append("")
    lines.append(
        f"macro-F1 over {len(report.domains)} domains: {report.macro_f1:.3f}; "
        f"exact match: {report.exact}/{report.records} ({report.exact_match:.1%})"
    )
    if report.misclassified and errors:
        lines.append("")
        lines.append(f"Misclassified ({len(report.misclassified)}):")
        for item in report.misclassified:
            lines.append(f"- [{item.id}] {item.title}")
            lines.append(
                f"    expected: {', '.join(item.expected) or '(none)'}; "
                f"predicted: {', '.join(item.predicted) or '(none)'}"
            )
            involved = [d for d in dict.fromkeys((*item.expected, *item.predicted)) if d in item.evidence]
            others = sorted(
                (d for d in item.evidence if d not in involved), key=lambda d: -item.scores.get(d, 0.0)
            )
            for domain in involved + others[:1]:
                score = item.scores.get(domain, 0.0)
                lines.append(_evidence_line(domain, score, item.evidence[domain], evidence_limit))
    return "\n".join(lines)
