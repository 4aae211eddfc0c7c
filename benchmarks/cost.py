"""Dollars per month from the measured request counts and AWS list prices (us-east-1, on demand)."""

from __future__ import annotations

from typing import Any

PRICES = {  # USD, us-east-1 list prices, on demand, no free tier
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s": 0.0000166667,  # x86
    "dynamodb_wru": 0.625 / 1e6,
    "dynamodb_rru": 0.125 / 1e6,
    "s3_put": 0.005 / 1e3,
    "sqs_request": 0.40 / 1e6,
    "sns_publish": 0.50 / 1e6,  # per 64 KB chunk; SNS -> SQS deliveries are free
    "ses_mail": 0.10 / 1e3,
}
ASSUMPTIONS = [
    "Prices: us-east-1 on-demand list prices (Lambda x86 $0.0000166667/GB-s + $0.20/M requests; DynamoDB "
    "$0.625/M write units, $0.125/M read units; S3 PUT $0.005/1k; SQS $0.40/M requests; SNS $0.50/M "
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
    "Lambda duration = measured CPU of the handler + 10 ms per AWS request + 200 ms per feed HTTP request "
    "(a remote government server answering a conditional GET); memory as in template.yaml (256 MB, ingest 512 MB).",
    "One SNS publish per document event (each under 64 KB).",
]
MONTH_POLLS_PER_FEED = 4 * 24 * 30.44  # every 15 minutes


def _dynamo_units(function: str, op: str, count: float, feed_kb: float,
                  entries_per_claim: float) -> tuple[float, float]:
    """(write units, read units) for `count` calls of op by function."""
    if op == "dynamodb.UpdateItem":
        return (count * (feed_kb if function == "PollerFunction" else 1.0)), 0.0
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


def dollars(calls: dict[str, dict[str, float]], runner_sqs: float, cpu: dict[str, float], http: float,
            memory_mb: dict[str, int], invocations: dict[str, float], *, feed_kb: float = 2.0,
            entries_per_claim: float = 1.0) -> dict[str, float]:
    """Cost of ONE item whose per-item calls, CPU seconds, HTTP requests and invocations are given."""
    out = {"lambda": 0.0, "dynamodb": 0.0, "s3": 0.0, "sqs": runner_sqs * PRICES["sqs_request"], "sns": 0.0,
           "ses": 0.0}
    for function, ops in calls.items():
        requests = 0.0
        for op, count in ops.items():
            requests += count
            service = op.split(".", 1)[0]
            if service == "dynamodb":
                wru, rru = _dynamo_units(function, op, count, feed_kb, entries_per_claim)
                out["dynamodb"] += wru * PRICES["dynamodb_wru"] + rru * PRICES["dynamodb_rru"]
            elif service == "s3":
                out["s3"] += count * PRICES["s3_put"]
            elif service == "sqs":
                out["sqs"] += count * PRICES["sqs_request"]
            elif service == "sns":
                out["sns"] += count * PRICES["sns_publish"]
            elif service.startswith("ses"):
                out["ses"] += count * PRICES["ses_mail"]
        seconds = cpu.get(function, 0.0) + 0.010 * requests + (0.2 * http if function == "PollerFunction" else 0)
        gb = memory_mb.get(function, 256) / 1024
        out["lambda"] += (seconds * gb * PRICES["lambda_gb_s"]
                          + invocations.get(function, 0.0) * PRICES["lambda_request"])
    out["total"] = sum(out.values())
    return out


def scheduler_scan(feeds: int, feed_kb: float) -> float:
    """One scheduler run's Query of the due index (keys only; eventually consistent: 0.5 unit per 4 KB)."""
    return feeds * max(1.0, feed_kb / 4) * 0.5 * PRICES["dynamodb_rru"]


def monthly(pipeline: dict[str, Any], memory_mb: dict[str, int]) -> dict[str, Any]:
    """1,000 feeds every 15 minutes (unchanged polls) and a million notifications, per month."""
    unchanged = pipeline["unchanged"]
    new = pipeline["new"]
    feeds = pipeline["feeds"]
    documents = max(1, new["documents"])
    mails = max(1, new["mails"])
    polls = 1000 * MONTH_POLLS_PER_FEED

    def per(section: dict[str, Any], n: float, only: set[str] | None = None, skip: set[str] | None = None) -> dict:
        calls = {f: {op: c / n for op, c in ops.items() if op != "dynamodb.Scan"} for f, ops in section["calls"].items()
                 if (only is None or f in only) and f not in (skip or set())}
        runner = sum(c for op, c in section["runner_calls"].items() if op.startswith("sqs.")) / n
        cpu = {f: c / n for f, c in section["cpu_by_function"].items() if (only is None or f in only)}
        inv = {f: c / n for f, c in section["invocations"].items() if (only is None or f in only)}
        http = sum(section["http_requests"].values()) / n
        return {"calls": calls, "runner_sqs": runner, "cpu": cpu, "http": http, "invocations": inv}

    out: dict[str, Any] = {"assumptions": ASSUMPTIONS, "prices": PRICES}
    poll = per(unchanged, feeds)
    for label, feed_kb in (("feed item ~1 KB (recent ids kept apart)", 1.0),):
        one = dollars(poll["calls"], poll["runner_sqs"], poll["cpu"], poll["http"], memory_mb, poll["invocations"],
                      feed_kb=feed_kb)
        scans = 4 * 24 * 30.44 * scheduler_scan(1000, feed_kb)
        out[f"polls_unchanged::{label}"] = {k: v * polls for k, v in one.items()} | {"scheduler_scan": scans}
        out[f"polls_unchanged::{label}"]["total"] += scans
    # A new document: everything but the per-notification mail work (mailer's idempotency + SES).
    doc = per(new, documents, skip={"MailerFunction"})
    entries_per_claim = new["entries_per_feed"]
    one_doc = dollars(doc["calls"], doc["runner_sqs"], doc["cpu"], doc["http"], memory_mb, doc["invocations"],
                      entries_per_claim=entries_per_claim)
    mailer_calls = {op: c for op, c in new["calls"].get("MailerFunction", {}).items()}
    notify = {"MailerFunction": {op: c / mails for op, c in mailer_calls.items()}}
    one_mail = dollars(notify, 0.0, {"MailerFunction": new["cpu_by_function"].get("MailerFunction", 0) / mails}, 0,
                       memory_mb, {"MailerFunction": new["invocations"].get("MailerFunction", 0) / mails})
    out["per_million_documents"] = {k: v * 1e6 for k, v in one_doc.items()}
    out["per_million_notifications"] = {k: v * 1e6 for k, v in one_mail.items()}
    return out
