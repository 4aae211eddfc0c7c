"""The classifier's whole output on every dev-set record and seed document (each also in
Traditional script) equals the output recorded in tests/data/classifications.json: speed work on
the classifier changes no domain, no score and no quoted evidence."""

from __future__ import annotations

import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
sys.path.insert(0, str(DATA))

import record_classifications  # noqa: E402

RECORDED = json.loads((DATA / "classifications.json").read_text(encoding="utf-8"))


def test_classify_outputs_recorded_with_the_packaged_taxonomy() -> None:
    # A deliberate taxonomy or dev-set change is recorded again with
    # tests/data/record_classifications.py.
    assert RECORDED["taxonomy_sha256"] == record_classifications.taxonomy_digest()


def test_classify_outputs_on_every_record_equal_the_recorded_outputs() -> None:
    assert record_classifications.outputs() == RECORDED["outputs"]
