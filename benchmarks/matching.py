"""Subscriber matching at scale: reads and time per document must follow the matches, not the total.

Three domains hold fixed numbers of subscriptions (the matches of a document in that domain); the
fourth (bidding) is filled up to each total. A document in consumption, disasters or science then
has 0.1x, 1x or 10x `base` matches whatever the total is.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from benchmarks.common import CallCounter, median, moto_server

FILLER = "bidding"


def _subscription(index: int, domain: str) -> Any:
    from gazette.domain.subscriptions import Channel, Mode, Narrowing, State, Subscription

    return Subscription(subscription_id=f"sub_{index:07d}", channel=Channel.EMAIL,
                        target=f"reader{index}@example.org", domains=(domain,), mode=Mode.INSTANT, locale="zh",
                        narrowing=Narrowing(), state=State.CONFIRMED, unsubscribe_token=f"token{index:027d}")


def _load(client: Any, store: Any, start: int, count: int, domain: str) -> None:
    rows = []
    for index in range(start, start + count):
        rows.extend(store._index_rows(_subscription(index, domain)))  # exactly the rows matching reads
    for offset in range(0, len(rows), 25):
        request: dict[str, Any] | None = {store.table: [{"PutRequest": {"Item": row}}
                                                        for row in rows[offset:offset + 25]]}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or None


def run(totals: list[int], base: int, runs: int) -> dict[str, Any]:
    from gazette.adapters.subscription_store import SubscriptionStore
    from gazette.domain.subscriptions import Channel
    from gazette.messages import DocumentCreated, DocumentOut
    from gazette.services.notify import SubscriberIndex
    from gazette_local.stack import create_stack

    fixed = {"consumption": max(1, base // 10), "disasters": base, "science": base * 10}
    rows_out = []
    with moto_server() as endpoint:
        stack = create_stack(endpoint)
        client = stack.client("dynamodb")
        counter = CallCounter()
        counter.attach(client.meta.events)
        store = SubscriptionStore(client, stack.tables["SubscriptionsTable"], token_key=stack.token_key())
        loaded = 0
        for domain, count in fixed.items():
            _load(client, store, loaded, count, domain)
            loaded += count
        for total in sorted(totals):
            if total > loaded:
                _load(client, store, loaded, total - loaded, FILLER)
                loaded = total
            for domain, count in fixed.items():
                document = DocumentOut(id="doc_bench", title="关于印发威海市气象灾害应急预案的通知", feed_id="bench",
                                       language="zh-Hans", domains=[domain], scores={}, evidence={}, summary="",
                                       text_url="s3://bucket/documents/doc_bench.txt")
                event = DocumentCreated(id="evt_bench", occurred_at=datetime.now(UTC), document=document)
                cpu_samples, wall_samples, reads, found = [], [], 0, 0
                for _ in range(runs):
                    counter.reset()
                    index = SubscriberIndex(store, Channel.EMAIL)  # a new invocation: nothing cached
                    cpu, wall = time.process_time(), time.perf_counter()
                    found = len(index.recipients(event))
                    cpu_samples.append(time.process_time() - cpu)
                    wall_samples.append(time.perf_counter() - wall)
                    reads = sum(counter.calls.values())
                rows_out.append({"total": max(total, loaded), "domain": domain, "matches": found,
                                 "expected": count, "reads": reads, "cpu": median(cpu_samples),
                                 "wall": median(wall_samples)})
    return {"rows": rows_out, "fixed": fixed}
