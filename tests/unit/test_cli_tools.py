"""The domain tools of the `gazette` command on files: JSON lines out, one-line errors, exit 2."""

import json
from pathlib import Path

from gazette_local.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "fixtures" / "wendeng-2024-02.txt"


def _lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_split_prints_the_seven_seed_documents_as_json_lines(capsys):
    assert main(["split", str(SEED)]) == 0
    documents = _lines(capsys)
    assert [d["doc_number"] for d in documents][:2] == ["国办发〔2024〕21号", "鲁政发〔2024〕3号"]
    assert len(documents) == 7 and documents[4]["published"] == "2024-04-20"


def test_classify_prints_domains_scores_and_evidence_per_document(capsys):
    assert main(["classify", str(SEED)]) == 0
    results = _lines(capsys)
    weather = next(r for r in results if "气象灾害" in r["title"])
    assert weather["domains"] == ["disasters"]
    assert any(e["where"] == "title" for e in weather["evidence"]["disasters"])


def test_classify_jsonl_output_has_id_domains_scores_and_evidence(tmp_path, capsys):
    records = tmp_path / "in.jsonl"
    records.write_text('{"id": "x", "title": "Emergency Procurement of Disaster Relief Supplies", "body": ""}\n',
                       encoding="utf-8")
    assert main(["classify", "--jsonl", str(records)]) == 0
    out, = _lines(capsys)
    assert out["id"] == "x" and set(out) == {"id", "domains", "scores", "evidence"}


def test_classify_jsonl_bad_line_names_the_line_and_exits_2(tmp_path, capsys):
    records = tmp_path / "in.jsonl"
    records.write_text('{"id": 1, "title": "ok"}\nnot json\n', encoding="utf-8")
    assert main(["classify", "--jsonl", str(records)]) == 2
    err = capsys.readouterr().err
    assert ":2:" in err and err.count("\n") == 1


def test_eval_prints_per_domain_figures_and_macro_f1(capsys):
    assert main(["eval"]) == 0
    report = capsys.readouterr().out
    assert "macro" in report.lower() and "disasters" in report


def test_eval_prints_tuned_untouched_and_k_fold_figures_apart_and_no_untouched_error(capsys):
    assert main(["eval"]) == 0
    report = capsys.readouterr().out

    headings = [line for line in report.splitlines() if line.startswith("== ")]
    assert [h.split(":")[0] for h in headings] == [
        "== tuned split", "== untouched split", "== 5-fold cross-validation on the tuned split"
    ]
    assert report.count("macro-F1 over 4 domains") == 3
    untouched = report[report.index("== untouched split") :]
    assert "Misclassified" not in untouched


def test_feed_inspect_prints_entries_with_identity_and_encoding(tmp_path, capsys):
    feed = tmp_path / "feed.xml"
    feed.write_bytes('<?xml version="1.0" encoding="gb2312"?><rss version="2.0"><channel><title>t</title>'
                     '<item><title>关于朱镕基同志的通知</title><guid>g1</guid></item></channel></rss>'.encode("gb18030"))
    assert main(["feed", "inspect", str(feed)]) == 0
    entry, = _lines(capsys)
    assert entry["title"] == "关于朱镕基同志的通知" and entry["id"] and entry["encoding"]


def test_feed_inspect_unreadable_input_and_refused_url_exit_2_with_one_line(tmp_path, capsys):
    junk = tmp_path / "junk.xml"
    junk.write_bytes(b"\x00\x01 not a feed")
    assert main(["feed", "inspect", str(junk)]) == 2
    assert main(["feed", "inspect", "http://169.254.169.254/latest/meta-data/"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2 and "refused" in errors[1]
