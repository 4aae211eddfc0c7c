"""`gazette eval-split DIR`: the report per part, JSON for machines, exit 1 below the targets,
one line and exit 2 for a folder that is not a corpus; held-out details stay hidden."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from gazette.domain.extract import extract_text
from gazette.domain.model import SplitDocument
from gazette_local.cli import main
from gazette_local.split_corpus import load_corpus, report, score_corpus

CORPUS = Path(__file__).resolve().parents[1] / "data" / "gazettes"


def _small_corpus(tmp_path: Path, ids: list[str]) -> Path:
    """A copy of a few issues of the real corpus, with their manifest entries."""
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    entries = [entry for entry in manifest["issues"] if entry["id"] in ids]
    for entry in entries:
        for key in ("input", "expected"):
            (tmp_path / entry[key]).parent.mkdir(exist_ok=True)
            shutil.copy(CORPUS / entry[key], tmp_path / entry[key])
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 1, "issues": entries}), encoding="utf-8")
    return tmp_path


def test_eval_split_missing_folder_prints_one_line_and_exits_2(tmp_path, capsys):
    assert main(["eval-split", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err == f"gazette: {tmp_path / 'nowhere'}: no such folder\n"


def test_eval_split_folder_without_manifest_prints_one_line_and_exits_2(tmp_path, capsys):
    assert main(["eval-split", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"gazette: {tmp_path}: no manifest.json (not a gazette corpus)\n"


def test_eval_split_bad_expected_date_names_the_file_and_exits_2(tmp_path, capsys):
    folder = _small_corpus(tmp_path, ["composed-govcn-ordinary-tuned-1"])
    expected = folder / "expected" / "composed-govcn-ordinary-tuned-1.json"
    data = json.loads(expected.read_text(encoding="utf-8"))
    data["documents"][0]["published"] = "2019-02-30"
    expected.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["eval-split", str(folder)]) == 2
    assert capsys.readouterr().err == f"gazette: {expected}: 'published' '2019-02-30' is not a YYYY-MM-DD date\n"


def test_eval_split_json_reports_each_part_and_exits_by_the_targets(tmp_path, capsys):
    folder = _small_corpus(tmp_path, ["composed-govcn-ordinary-tuned-1", "composed-govcn-ordinary-held-out-1"])
    code = main(["eval-split", str(folder), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == (0 if data["meets_targets"] else 1)
    assert set(data) == {"targets", "parts", "overall", "meets_targets"}
    assert data["targets"] == {"exact": 0.98, "purity": 0.99, "completeness": 0.99}
    assert [item["issue"] for item in data["parts"]["tuned"]["issues"]] == ["composed-govcn-ordinary-tuned-1"]
    tuned = data["parts"]["tuned"]["issues"][0]
    held_out = data["parts"]["held-out"]["issues"][0]
    # Held-out issues give figures only; the tuned ones say what went wrong.
    assert "documents" in tuned and "impure_or_spurious" in tuned
    assert "documents" not in held_out and "impure_or_spurious" not in held_out
    assert list(data["parts"]["tuned"]["layouts"]) == ["ordinary"]
    assert "layouts" not in data["parts"]["held-out"]
    assert data["overall"]["documents_expected"] == (tuned["documents_expected"] + held_out["documents_expected"])


def test_report_perfect_splitter_meets_the_targets_with_every_figure_at_one(tmp_path):
    folder = _small_corpus(tmp_path, ["composed-govcn-two-column-tuned-1", "composed-govcn-html-held-out-1"])
    issues = load_corpus(folder)
    answers = {}
    for issue in issues:
        text = extract_text(issue.input.read_bytes(), None, issue.input.name).text
        answers[text] = [
            SplitDocument(doc.title, doc.text, doc.doc_number, doc.issuer, doc.published) for doc in issue.expected
        ]

    data = report(score_corpus(issues, splitter=answers.__getitem__))

    assert data["meets_targets"] is True
    for summary in (data["parts"]["tuned"]["summary"], data["parts"]["held-out"]["summary"], data["overall"]):
        assert (summary["exact_share"], summary["purity"], summary["completeness"]) == (1.0, 1.0, 1.0)
        assert summary["documents_found"] == summary["documents_expected"]
        assert summary["documents_spurious"] == 0
