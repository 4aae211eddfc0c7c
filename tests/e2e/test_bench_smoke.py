"""The benchmark suite's quick mode end to end: every section is there and its facts are sane.

Never a timing assertion: timings depend on the machine; request counts and memory limits do not.
"""

import json

import pytest

from benchmarks.run import main

pytestmark = pytest.mark.e2e

SECTIONS = [
    "## 1. Our own code per item",
    "## 2. The whole pipeline, CPU per new entry",
    "## 3. AWS requests per item",
    "## 4. Unchanged feeds checked per minute",
    "## 5. Subscriber matching at scale",
    "## 6. Cold start",
    "## 7. Peak memory (RSS) per stage",
    "## 8. Side by side: rss2email 3.14",
    "## 9. Cost model",
    "## Against the targets",
    "## List sources beside the feed path",
]


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    report, numbers = folder / "benchmarks.md", folder / "benchmarks.json"
    assert main(["--quick", "--out", str(report), "--json", str(numbers)]) == 0
    return report.read_text(encoding="utf-8"), json.loads(numbers.read_text(encoding="utf-8"))


def test_bench_quick_report_has_every_section_and_names_the_machine(bench):
    report, data = bench
    for section in SECTIONS:
        assert section in report
    for fact in ("CPU", "cores", "memory", "Python", "date"):
        assert f"| {fact} |" in report
    if "peer_skipped" in data:
        assert "Skipped:" in report  # the report says why the peer is missing


def test_bench_quick_new_documents_cost_at_most_six_requests_before_their_mails(bench):
    _, data = bench
    new = data["pipeline"]["new"]
    assert new["documents"] == new["entries"]  # every entry is a different real text, so a new document
    mailer = new["calls"].get("MailerFunction", {})
    per_mail = {op: mailer.get(op, 0) for op in ("dynamodb.PutItem", "dynamodb.UpdateItem", "sesv2.SendEmail")}
    total = sum(sum(ops.values()) for ops in new["calls"].values())
    assert (total - sum(per_mail.values())) / new["documents"] <= 6
    assert per_mail["sesv2.SendEmail"] == new["mails"]


def test_bench_quick_unchanged_feed_costs_one_http_request_and_one_dynamodb_call(bench):
    _, data = bench
    unchanged = data["unchanged"]["unchanged"]
    feeds = data["unchanged"]["feeds"]
    assert unchanged["http_requests"] == {"PollerFunction": feeds}
    assert unchanged["calls"]["PollerFunction"] == {"dynamodb.UpdateItem": feeds}


def test_bench_quick_matching_reads_one_query_per_domain_whatever_the_total(bench):
    _, data = bench
    for row in data["matching"]["rows"]:
        assert row["matches"] == row["expected"]
        assert row["reads"] == 1


def test_bench_quick_every_stage_fits_its_memory_setting(bench):
    _, data = bench
    for stage in data["stages"]["stages"].values():
        assert stage["maxrss_mb"] < stage["memory_setting_mb"]
