"""Matching folded text (``Classifier(fold=True)``, the default) gives the whole output of
converting every text with OpenCC before matching (``fold=False``): on every dev-set record and
seed document as printed, converted to Traditional (OpenCC s2t), and mixed (both scripts inside
one word, every other character from each)."""

from __future__ import annotations

import sys
from pathlib import Path

import opencc
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
sys.path.insert(0, str(DATA))

import record_classifications  # noqa: E402

from gazette.domain.classify import Classifier  # noqa: E402
from gazette.domain.taxonomy import load_taxonomy  # noqa: E402

_S2T = opencc.OpenCC("s2t").convert


def _mixed(text: str | None) -> str | None:
    if not text:
        return text
    traditional = _S2T(text)
    if len(traditional) != len(text):
        return traditional
    return "".join(s if index % 2 else t for index, (s, t) in enumerate(zip(text, traditional, strict=True)))


@pytest.fixture(scope="module")
def classifiers() -> tuple[Classifier, Classifier]:
    taxonomy = load_taxonomy()
    return Classifier(taxonomy), Classifier(taxonomy, fold=False)


def test_classify_folded_equals_converted_on_every_record_as_printed_and_in_traditional(classifiers) -> None:
    folded, converted = classifiers
    cases = record_classifications.cases()

    assert [folded.classify(t, b, n) for _, t, b, n in cases] == [converted.classify(t, b, n) for _, t, b, n in cases]


def test_classify_folded_equals_converted_on_every_record_in_mixed_script(classifiers) -> None:
    folded, converted = classifiers
    records = [case for case in record_classifications.cases() if "/" not in case[0]]
    cases = [(_mixed(title), _mixed(body), _mixed(number)) for _, title, body, number in records]

    assert [folded.classify(*case) for case in cases] == [converted.classify(*case) for case in cases]
    assert sum(1 for case in cases if folded.classify(*case).domains) > len(cases) // 2


def test_classify_folded_equals_converted_on_every_record_upper_cased(classifiers) -> None:
    folded, converted = classifiers
    cases = [(t.upper(), b.upper(), n) for _, t, b, n in record_classifications.cases()]

    assert [folded.classify(*case) for case in cases] == [converted.classify(*case) for case in cases]
