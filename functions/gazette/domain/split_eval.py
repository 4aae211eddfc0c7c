"""Score a split of gazette issues against their expected documents, on whole texts.

For each issue the produced documents are matched to the expected ones by the text they share;
then, per expected document, the number, issuer, title and date are compared exactly, and the
texts are compared character by character:

* **purity** of a produced document: the share of its characters that are its own, i.e. that lie
  in a run of at least ``SHINGLE`` characters found in the expected document it was matched to
  (its text or its header fields). Text of another document, a page header left in the text or
  a duplicated passage from elsewhere lowers purity; a produced document matched to nothing has
  purity 0.
* **completeness** of an expected document: the share of its characters that its produced
  document holds, by the same runs. A document cut short, or split in two, or not found at all,
  lowers completeness.

Both are computed on whole texts after one normalisation, applied alike to both sides: the
font-digit repair (``repair_font_digits``), full-width digits to ASCII, and every whitespace
character removed (line breaks, spaces inside numbers, indentation), so that where lines break
and how paragraphs are joined does not count; the characters and their order within runs do.

Fields are compared after the same whitespace and digit normalisation; a document number's
brackets may be any of 〔〕[]［］【】()（）; a title matches with or without its issuer's name in
front; joint issuers match as a set, whatever separates them (spaces, 、, ，).

Overall figures weigh characters, not documents: overall purity is the share of all produced
characters that are their document's own; overall completeness the share of all expected
characters held by their produced document.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gazette.domain.model import SplitDocument
from gazette.domain.repair import repair_font_digits

__all__ = [
    "SHINGLE",
    "TARGETS",
    "DocumentScore",
    "ExpectedDocument",
    "IssueScore",
    "PartSummary",
    "Targets",
    "normalise_text",
    "score_issue",
    "summarise",
]

SHINGLE = 8  # characters: long enough that two documents rarely share a run by chance


@dataclass(frozen=True, slots=True)
class Targets:
    exact: float = 0.98  # share of expected documents with number, title and date all exact
    purity: float = 0.99
    completeness: float = 0.99


TARGETS = Targets()


@dataclass(frozen=True, slots=True)
class ExpectedDocument:
    title: str
    text: str
    doc_number: str | None = None
    issuer: str | None = None  # joint issuers separated by spaces: "财政部 工业和信息化部"
    published: date | None = None


@dataclass(frozen=True, slots=True)
class DocumentScore:
    """One expected document and the produced document matched to it (if any)."""

    expected: ExpectedDocument
    produced: SplitDocument | None
    number_exact: bool
    issuer_exact: bool
    title_exact: bool
    date_exact: bool
    expected_chars: int
    covered_chars: int  # expected characters held by the produced document

    @property
    def exact(self) -> bool:
        """Number, title and date all exact (the target's definition; the issuer is reported apart)."""
        return self.number_exact and self.title_exact and self.date_exact

    @property
    def completeness(self) -> float:
        return self.covered_chars / self.expected_chars if self.expected_chars else 1.0


@dataclass(frozen=True, slots=True)
class ProducedScore:
    """One produced document: how many of its characters are its own."""

    produced: SplitDocument
    matched: int | None  # index of the expected document it was matched to
    primary: bool  # the best match of that expected document (False: a fragment or a duplicate)
    chars: int
    own_chars: int

    @property
    def purity(self) -> float:
        return self.own_chars / self.chars if self.chars else 1.0


@dataclass(frozen=True, slots=True)
class IssueScore:
    issue: str
    documents: tuple[DocumentScore, ...]
    produced: tuple[ProducedScore, ...]

    @property
    def expected(self) -> int:
        return len(self.documents)

    @property
    def found(self) -> int:
        return sum(1 for doc in self.documents if doc.produced is not None)

    @property
    def spurious(self) -> int:
        """Produced documents that are no expected document's best match."""
        return sum(1 for doc in self.produced if not doc.primary)


@dataclass(frozen=True, slots=True)
class PartSummary:
    """Totals over a set of issues (a part of the corpus, or all of it)."""

    issues: int
    expected: int
    found: int
    spurious: int
    numbers_exact: int
    issuers_exact: int
    titles_exact: int
    dates_exact: int
    all_exact: int
    produced_chars: int
    own_chars: int
    expected_chars: int
    covered_chars: int
    targets: Targets = field(default=TARGETS)

    @property
    def exact_share(self) -> float:
        return self.all_exact / self.expected if self.expected else 1.0

    @property
    def purity(self) -> float:
        return self.own_chars / self.produced_chars if self.produced_chars else 1.0

    @property
    def completeness(self) -> float:
        return self.covered_chars / self.expected_chars if self.expected_chars else 1.0

    @property
    def meets_targets(self) -> bool:
        return (
            self.exact_share >= self.targets.exact
            and self.purity >= self.targets.purity
            and self.completeness >= self.targets.completeness
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "issues": self.issues,
            "documents_expected": self.expected,
            "documents_found": self.found,
            "documents_spurious": self.spurious,
            "numbers_exact": self.numbers_exact,
            "issuers_exact": self.issuers_exact,
            "titles_exact": self.titles_exact,
            "dates_exact": self.dates_exact,
            "number_title_date_exact": self.all_exact,
            "exact_share": round(self.exact_share, 4),
            "purity": round(self.purity, 4),
            "completeness": round(self.completeness, 4),
            "meets_targets": self.meets_targets,
        }


# ------------------------------------------------------------------------------- normalisation

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_WHITESPACE = re.compile(r"\s+")
_BRACKETS = str.maketrans("[［【(（]］】)）", "〔〔〔〔〔〕〕〕〕〕")
_ISSUER_SEPARATORS = re.compile(r"[\s、，,]+")


def normalise_text(text: str) -> str:
    """The form both sides are compared in: digits repaired, every whitespace character removed."""
    return _WHITESPACE.sub("", repair_font_digits(text).translate(_FULLWIDTH_DIGITS))


def _norm_number(number: str | None) -> str | None:
    return normalise_text(number).translate(_BRACKETS) if number else None


def _issuer_set(issuer: str | None) -> frozenset[str]:
    if not issuer:
        return frozenset()
    return frozenset(part for part in _ISSUER_SEPARATORS.split(issuer.translate(_FULLWIDTH_DIGITS)) if part)


def _title_forms(title: str | None, issuer: str | None) -> set[str]:
    """A title with and without its issuer's name in front."""
    if not title:
        return set()
    squeezed = normalise_text(title)
    forms = {squeezed}
    parts = [part for part in _ISSUER_SEPARATORS.split(issuer or "") if part]
    for joiner in ("", "、", "，"):
        prefix = joiner.join(parts)
        if prefix and squeezed.startswith(prefix) and len(squeezed) > len(prefix):
            forms.add(squeezed[len(prefix) :])
    return forms


def _titles_match(expected: ExpectedDocument, produced: SplitDocument) -> bool:
    return bool(
        _title_forms(expected.title, expected.issuer) & _title_forms(produced.title, produced.issuer or expected.issuer)
    )


# ------------------------------------------------------------------------------- text coverage


def _shingles(text: str) -> Counter[str]:
    """Every run of SHINGLE characters, with how often it occurs."""
    if len(text) < SHINGLE:
        return Counter([text] if text else [])
    return Counter(text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1))


def _covered(text: str, available: Counter[str]) -> int:
    """How many characters of `text` lie in a run of SHINGLE characters found in `available`.

    Each run found is used up, and the longest stretches of `text` claim theirs first: a phrase a
    document repeats (贫困地区产品) can then not make up for the paragraph it lost, because the
    copy it keeps is claimed by the stretch that really holds it.
    """
    if len(text) < SHINGLE:
        return len(text) if text and available[text] > 0 else 0
    positions = len(text) - SHINGLE + 1
    stretches: list[tuple[int, int]] = []  # [start, end) of consecutive runs present in `available`
    start = None
    for index in range(positions + 1):
        present = index < positions and text[index : index + SHINGLE] in available
        if present and start is None:
            start = index
        elif not present and start is not None:
            stretches.append((start, index))
            start = None
    left = Counter(available)
    marked = bytearray(len(text))
    for first, end in sorted(stretches, key=lambda stretch: (stretch[0] - stretch[1], stretch[0])):
        for index in range(first, end):
            run = text[index : index + SHINGLE]
            if left[run] > 0:
                left[run] -= 1
                marked[index : index + SHINGLE] = b"\x01" * SHINGLE
    return sum(marked)


@dataclass(slots=True)
class _Reference:
    text: str  # normalised expected text
    own_shingles: Counter[str]  # the text's runs plus those of its header fields


def _reference(doc: ExpectedDocument) -> _Reference:
    text = normalise_text(doc.text)
    own = _shingles(text)
    for part in (doc.doc_number, doc.issuer, doc.title):
        if part:
            own.update(_shingles(normalise_text(part)))
    return _Reference(text, own)


def score_issue(issue: str, expected: Sequence[ExpectedDocument], produced: Sequence[SplitDocument]) -> IssueScore:
    """Match produced documents to expected ones by shared text, then score fields and texts."""
    references = [_reference(doc) for doc in expected]
    produced_texts = [normalise_text(doc.text) for doc in produced]
    # own[p][e]: characters of produced p that are expected e's own
    own = [[_covered(text, ref.own_shingles) for ref in references] for text in produced_texts]
    matched: list[int | None] = []
    for row in own:
        best = max(range(len(row)), key=lambda e: (row[e], -e)) if row else None
        matched.append(best if best is not None and row[best] > 0 else None)
    primary: dict[int, int] = {}
    for p, e in enumerate(matched):
        if e is not None and (e not in primary or own[p][e] > own[primary[e]][e]):
            primary[e] = p
    documents = []
    for e, doc in enumerate(expected):
        p = primary.get(e)
        ref = references[e]
        if p is None:
            documents.append(DocumentScore(doc, None, False, False, False, False, len(ref.text), 0))
            continue
        out = produced[p]
        produced_grams = _shingles(produced_texts[p])
        documents.append(
            DocumentScore(
                expected=doc,
                produced=out,
                number_exact=_norm_number(doc.doc_number) == _norm_number(out.doc_number),
                issuer_exact=_issuer_set(doc.issuer) == _issuer_set(out.issuer),
                title_exact=_titles_match(doc, out),
                date_exact=doc.published == out.published,
                expected_chars=len(ref.text),
                covered_chars=_covered(ref.text, produced_grams),
            )
        )
    produced_scores = tuple(
        ProducedScore(
            produced=doc,
            matched=matched[p],
            primary=matched[p] is not None and primary.get(matched[p]) == p,  # type: ignore[arg-type]
            chars=len(produced_texts[p]),
            own_chars=own[p][matched[p]] if matched[p] is not None else 0,  # type: ignore[index]
        )
        for p, doc in enumerate(produced)
    )
    return IssueScore(issue, tuple(documents), produced_scores)


def summarise(scores: Iterable[IssueScore], targets: Targets = TARGETS) -> PartSummary:
    scores = list(scores)
    documents = [doc for score in scores for doc in score.documents]
    produced = [doc for score in scores for doc in score.produced]
    return PartSummary(
        issues=len(scores),
        expected=len(documents),
        found=sum(1 for doc in documents if doc.produced is not None),
        spurious=sum(score.spurious for score in scores),
        numbers_exact=sum(doc.number_exact for doc in documents),
        issuers_exact=sum(doc.issuer_exact for doc in documents),
        titles_exact=sum(doc.title_exact for doc in documents),
        dates_exact=sum(doc.date_exact for doc in documents),
        all_exact=sum(doc.exact for doc in documents),
        produced_chars=sum(doc.chars for doc in produced),
        own_chars=sum(doc.own_chars for doc in produced),
        expected_chars=sum(doc.expected_chars for doc in documents),
        covered_chars=sum(doc.covered_chars for doc in documents),
        targets=targets,
    )


def issue_dict(score: IssueScore) -> dict[str, Any]:
    """One issue's figures and, per expected document, what differs (for the tuned part only)."""
    summary = summarise([score])
    documents = []
    for doc in score.documents:
        out = doc.produced
        entry: dict[str, Any] = {
            "doc_number": doc.expected.doc_number,
            "title": doc.expected.title,
            "found": out is not None,
            "completeness": round(doc.completeness, 4),
        }
        if out is not None:
            wrong = {}
            for name, ok, want, got in (
                ("doc_number", doc.number_exact, doc.expected.doc_number, out.doc_number),
                ("issuer", doc.issuer_exact, doc.expected.issuer, out.issuer),
                ("title", doc.title_exact, doc.expected.title, out.title),
                ("published", doc.date_exact, _iso(doc.expected.published), _iso(out.published)),
            ):
                if not ok:
                    wrong[name] = {"expected": want, "produced": got}
            entry["wrong"] = wrong
        documents.append(entry)
    impure = [
        {
            "doc_number": doc.produced.doc_number,
            "title": doc.produced.title,
            "purity": round(doc.purity, 4),
            "spurious": not doc.primary,
        }
        for doc in score.produced
        if doc.purity < 1.0 or not doc.primary
    ]
    return {"issue": score.issue, **summary.as_dict(), "documents": documents, "impure_or_spurious": impure}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
