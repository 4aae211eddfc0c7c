"""Dollars per month from the measured request counts and AWS list prices (us-east-1, on demand).

`python -m benchmarks.cost [--feeds N] [--new-feeds N] [--per-feed N]` runs only what this section
needs (a pipeline run over N unchanged feeds, and one over new entries) and prints its table.
"""

from __future__ import annotations

import math
from typing import Any

PRICES = {  # USD, us-east-1 list prices, on demand, no free tier
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s": 0.0000133334,  # arm64, as template.yaml deploys every function
    "dynamodb_wru": 0.625 / 1e6,
    "dynamodb_rru": 0.125 / 1e6,
    "s3_put": 0.005 / 1e3,
    "sqs_request": 0.40 / 1e6,
    "sns_publish": 0.50 / 1e6,  # per 64 KB chunk; SNS -> SQS deliveries are free
    "ses_mail": 0.10 / 1e3,
}
ASSUMPTIONS = [
    "Prices: us-east-1 on-demand list prices (Lambda arm64, as deployed, $0.0000133334/GB-s + $0.20/M requests; "
    "DynamoDB $0.625/M write units, $0.125/M read units; S3 PUT $0.005/1k; SQS $0.40/M requests; SNS $0.50/M "
    "publishes; SES $0.10/1k mails). No free tier, no storage, no data transfer, no CloudWatch Logs.",
    "DynamoDB units per call: a write costs 1 unit per KB of item (documents ~2 KB; a feed item ~1 KB: its "
    "recent entry ids are an item of their own, read and written only when the feed changed); a "
    "TransactWriteItems item costs 2 units per KB (claims 1 KB; ingest writes a batch of 10 ~2 KB documents "
    "with their listing rows, ~1.3 a document of under 1 KB); "
    "a BatchWriteItem 25 units (25 rows of ~1 KB); a Query "
    "or GetItem 1 read unit (eventually consistent, under 8 KB); the scheduler's Query of the sparse due "
    "index reads the keys of the due feeds (priced as reading every feed's keys).",
    "SQS requests include what the Lambda service makes for us (receive, delete), counted from the local "
    "runner that plays its part (empty receives of idle queues excluded: a fixed ~$1-2/month per queue).",
    "Lambda duration = measured CPU of the handler + its waits: 10 ms per AWS request and 200 ms per HTTP request "
    "(a remote government server answering a conditional GET). Waits add up along each thread; an invocation "
    "waits for its own thread's requests plus the longest of its other threads' (the poller polls its batch's "
    "feeds on threads), counted request by request and thread by thread from the measured run, where each feed "
    "has a loopback address of its own. Memory as in template.yaml (256 MB, ingest 512 MB).",
    "The unchanged-poll row comes from the run of 1,000 feeds answering 304, as the poller's event source "
    "mapping batches them (its batch size, from template.yaml).",
    "Delivery claims: a mail's documents are claimed in the subscription's ledger (one per source and date) "
    "with one conditional write and marked sent with one more; a ledger write costs 1 unit per KB, priced as "
    "if the ledger held every document of the mail (40 bytes each).",
    "One SNS publish per document event (each under 64 KB).",
]
MONTH_POLLS_PER_FEED = 4 * 24 * 30.44  # every 15 minutes
AWS_SECONDS = 0.010  # one AWS request, waited for
HTTP_SECONDS = 0.2  # one HTTP request to a source's server, waited for
LEDGER_BYTES_PER_DOCUMENT = 40  # a delivery-claim ledger's attribute: the event id and a number


def _dynamo_units(function: str, op: str, count: float, feed_kb: float,
                  entries_per_claim: float, ledger_kb: float = 1.0) -> tuple[float, float]:
    """(write units, read units) for `count` calls of op by function."""
    if op == "dynamodb.UpdateItem":
        size = {"PollerFunction": feed_kb, "MailerFunction": ledger_kb}.get(function, 1.0)
        return count * size, 0.0
    if op == "dynamodb.PutItem":
        return count * (2.0 if function == "IngestFunction" else 1.0), 0.0
    if op == "dynamodb.TransactWriteItems":  # 2 units per KB: claims (~1 KB), or a batch of 10 documents (~2 KB)
        # with their listing rows (~1.3 a document, each under 1 KB), written in the same transaction
        return (count * 2.0 * entries_per_claim if function == "PollerFunction"
                else count * 2.0 * 10 * (2.0 + 1.3)), 0.0
    if op == "dynamodb.BatchWriteItem":  # up to 25 rows of ~1 KB per call
        return count * 25.0, 0.0
    if op in ("dynamodb.Query", "dynamodb.GetItem"):
        return 0.0, count
    if op == "dynamodb.Scan":
        return 0.0, 0.0  # priced separately per scheduler run
    return count, 0.0


def waited(chains: list[list[list[int]]]) -> float:
    """Seconds an invocation's waits take, summed over invocations: each is a list of threads'
    [AWS requests, HTTP requests], its handler's own thread first (see benchmarks.pipeline)."""
    total = 0.0
    for threads in chains:
        seconds = [AWS_SECONDS * aws + HTTP_SECONDS * http for aws, http in threads]
        total += seconds[0] + max(seconds[1:], default=0.0)
    return total


def dollars(calls: dict[str, dict[str, float]], runner_sqs: float, cpu: dict[str, float], http: float,
            memory_mb: dict[str, int], invocations: dict[str, float], *, feed_kb: float = 2.0,
            entries_per_claim: float = 1.0, wait: dict[str, float] | None = None,
            ledger_kb: float = 1.0) -> dict[str, float]:
    """Cost of ONE item whose per-item calls, CPU seconds, HTTP requests and invocations are given;
    `wait` (seconds per item, by function) when measured thread by thread, else every request waited
    for in turn."""
    out = {"lambda": 0.0, "dynamodb": 0.0, "s3": 0.0, "sqs": runner_sqs * PRICES["sqs_request"], "sns": 0.0,
           "ses": 0.0}
    for function, ops in calls.items():
        requests = 0.0
        for op, count in ops.items():
            requests += count
            service = op.split(".", 1)[0]
            if service == "dynamodb":
                wru, rru = _dynamo_units(function, op, count, feed_kb, entries_per_claim, ledger_kb)
                out["dynamodb"] += wru * PRICES["dynamodb_wru"] + rru * PRICES["dynamodb_rru"]
            elif service == "s3":
                out["s3"] += count * PRICES["s3_put"]
            elif service == "sqs":
                out["sqs"] += count * PRICES["sqs_request"]
            elif service == "sns":
                out["sns"] += count * PRICES["sns_publish"]
            elif service.startswith("ses"):
                out["ses"] += count * PRICES["ses_mail"]
        if wait is not None and function in wait:
            seconds = cpu.get(function, 0.0) + wait[function]
        else:
            seconds = cpu.get(function, 0.0) + AWS_SECONDS * requests + (
                HTTP_SECONDS * http if function == "PollerFunction" else 0)
        gb = memory_mb.get(function, 256) / 1024
        out["lambda"] += (seconds * gb * PRICES["lambda_gb_s"]
                          + invocations.get(function, 0.0) * PRICES["lambda_request"])
    out["total"] = sum(out.values())
    return out


def scheduler_scan(feeds: int, feed_kb: float) -> float:
    """One scheduler run's Query of the due index (keys only; eventually consistent: 0.5 unit per 4 KB)."""
    return feeds * max(1.0, feed_kb / 4) * 0.5 * PRICES["dynamodb_rru"]


def monthly(pipeline: dict[str, Any], memory_mb: dict[str, int],
            unchanged_run: dict[str, Any] | None = None) -> dict[str, Any]:
    """1,000 feeds every 15 minutes (unchanged polls) and a million notifications, per month.

    `unchanged_run` is a pipeline run over many unchanged feeds (its second pass is priced); without
    it, the unchanged pass of `pipeline` is.
    """
    unchanged = (unchanged_run or pipeline)["unchanged"]
    new = pipeline["new"]
    feeds = (unchanged_run or pipeline)["feeds"]
    documents = max(1, new["documents"])
    mails = max(1, new["mails"])
    polls = 1000 * MONTH_POLLS_PER_FEED

    def per(section: dict[str, Any], n: float, only: set[str] | None = None, skip: set[str] | None = None) -> dict:
        keep = {f for f in section["cpu_by_function"] if (only is None or f in only) and f not in (skip or set())}
        calls = {f: {op: c / n for op, c in ops.items() if op != "dynamodb.Scan"} for f, ops in section["calls"].items()
                 if f in keep}
        runner = (sum(c for op, c in section["runner_calls"].items() if op.startswith("sqs."))
                  - section.get("runner_empty_receives", 0)) / n
        cpu = {f: c / n for f, c in section["cpu_by_function"].items() if f in keep}
        inv = {f: c / n for f, c in section["invocations"].items() if f in keep}
        http = sum(section["http_requests"].values()) / n
        wait = {f: waited(c) / n for f, c in section["chains"].items() if f in keep} if "chains" in section else None
        return {"calls": calls, "runner_sqs": runner, "cpu": cpu, "http": http, "invocations": inv, "wait": wait}

    out: dict[str, Any] = {"assumptions": ASSUMPTIONS, "prices": PRICES}
    poll = per(unchanged, feeds)
    for label, feed_kb in (("feed item ~1 KB (recent ids kept apart)", 1.0),):
        one = dollars(poll["calls"], poll["runner_sqs"], poll["cpu"], poll["http"], memory_mb, poll["invocations"],
                      feed_kb=feed_kb, wait=poll["wait"])
        scans = 4 * 24 * 30.44 * scheduler_scan(1000, feed_kb)
        out[f"polls_unchanged::{label}"] = {k: v * polls for k, v in one.items()} | {"scheduler_scan": scans}
        out[f"polls_unchanged::{label}"]["total"] += scans
    # A new document: everything but the per-notification mail work (mailer's claims + SES).
    doc = per(new, documents, skip={"MailerFunction"})
    entries_per_claim = new["entries_per_feed"]
    one_doc = dollars(doc["calls"], doc["runner_sqs"], doc["cpu"], doc["http"], memory_mb, doc["invocations"],
                      entries_per_claim=entries_per_claim, wait=doc["wait"])
    mail = per(new, mails, only={"MailerFunction"})
    ledger_kb = max(1.0, (100 + LEDGER_BYTES_PER_DOCUMENT * documents / mails) / 1024)
    one_mail = dollars(mail["calls"], 0.0, mail["cpu"], 0, memory_mb, mail["invocations"], wait=mail["wait"],
                       ledger_kb=math.ceil(ledger_kb))
    out["per_million_documents"] = {k: v * 1e6 for k, v in one_doc.items()}
    out["per_million_notifications"] = {k: v * 1e6 for k, v in one_mail.items()}
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import tempfile
    from pathlib import Path

    from benchmarks import stages
    from benchmarks.common import VENV_PY, run_measured
    from benchmarks.corpus import write_empty_feeds, write_feeds

    parser = argparse.ArgumentParser(prog="python -m benchmarks.cost")
    parser.add_argument("--feeds", type=int, default=1000, help="unchanged feeds polled (default 1000)")
    parser.add_argument("--new-feeds", type=int, default=6, help="feeds with new entries (default 6)")
    parser.add_argument("--per-feed", type=int, default=50, help="new entries per feed (default 50)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-cost-") as tmp:
        work = Path(tmp)
        runs = {}
        for label, fill in (("new", lambda d: write_feeds(d, args.new_feeds, args.per_feed)),
                            ("unchanged", lambda d: write_empty_feeds(d, args.feeds))):
            feeds_dir = work / label
            fill(feeds_dir)
            out = work / f"{label}.json"
            code, _, err = run_measured([str(VENV_PY), "-m", "benchmarks.pipeline", str(feeds_dir), str(out)])
            if code != 0:
                print(f"pipeline run failed: {err.strip().splitlines()[-1] if err.strip() else code}")
                return 1
            runs[label] = json.loads(out.read_text(encoding="utf-8"))
    runs["new"]["new"]["entries_per_feed"] = args.per_feed
    memory = {logical: stages.memory_setting(logical) for logical in runs["new"]["new"]["cpu_by_function"]}
    result = monthly(runs["new"], memory, runs["unchanged"])
    for key, value in result.items():
        if key in ("assumptions", "prices"):
            continue
        parts = ", ".join(f"{k} ${v:.2f}" for k, v in value.items() if k != "total" and v >= 0.005)
        print(f"{key.replace('::', ', ').replace('_', ' ')}: ${value['total']:.2f} ({parts})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
