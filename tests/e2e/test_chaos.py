"""The fault-injection harness: a short seeded subset of `make chaos`, and its checker catching faults."""

from __future__ import annotations

import io
import json
from collections import Counter

import pytest

from gazette_local import chaos

pytestmark = pytest.mark.e2e

SEEDS = 2  # `make chaos` runs 50; this subset keeps `make test` short


@pytest.fixture(scope="module")
def subset():
    printed = io.StringIO()
    results = chaos.run_many(SEEDS, 1001, out=printed)
    return results, printed.getvalue()


def test_chaos_seeded_subset_breaks_no_invariant(subset):
    results, printed = subset
    assert [(r.seed, dict(r.violations), r.details) for r in results] == [(1001, {}, []), (1002, {}, [])], printed


def test_chaos_seeded_subset_injects_faults_that_reach_the_handlers(subset):
    results, _ = subset
    faults = Counter()
    for result in results:
        faults.update(result.faults)
    assert sum(faults.values()) >= 5
    assert all(r.documents == 7 for r in results)


def test_chaos_checker_reports_a_duplicate_document_a_leftover_message_and_a_dead_letter_without_reason():
    chaos.install_hooks()
    with chaos.moto_server() as endpoint:
        chaos._reset(endpoint)
        stack = chaos.create_stack(endpoint, {"AllowLoopback": "true"})
        with stack.activated():
            dynamodb, sqs = stack.client("dynamodb"), stack.client("sqs")
            for doc_id in ("doc_a", "doc_b"):
                dynamodb.put_item(TableName=stack.tables["DocumentsTable"], Item={
                    "doc_id": {"S": doc_id}, "doc_number": {"S": "威政办字〔2024〕16号"},
                    "title": {"S": "关于印发威海市气象灾害应急预案的通知"}, "domains": {"L": []}})
            sqs.send_message(QueueUrl=stack.queues["EmailQueue"], MessageBody=json.dumps({"left": "behind"}))
            sqs.send_message(QueueUrl=stack.queues["EmailDLQ"], MessageBody=json.dumps({"no": "reason"}))

            violations, details, repeats, documents = chaos.check(
                stack, [], chaos.Run(seed=0, rng=None, odds=chaos.Odds()), "sub_none")

    assert (dict(violations), repeats, documents) == ({
        "nothing left but delivered or dead-lettered with its reason": 2,
        "every document stored exactly once": 2,
    }, 0, 2)
    assert sorted(details) == sorted([
        "nothing left but delivered or dead-lettered with its reason: a message in EmailDLQ without its reason",
        "nothing left but delivered or dead-lettered with its reason: 1 message(s) left in EmailQueue",
        "every document stored exactly once: 威政办字〔2024〕16号 stored 2 times",
        "every document stored exactly once: 6 document(s) missing, none dead-lettered",
    ])
