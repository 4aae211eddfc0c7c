"""Delivery claims: exactly one mail per (document, subscription), decided by conditional writes in bulk.

Powertools idempotency makes two calls per item (in progress, then completed). Mail is sent in
batches, so the claims are too: one conditional transaction claims up to a hundred (document,
subscription) pairs, and one batch write marks them sent. A claim whose sender died before it was
marked sent can be taken again once its hold expires (at-least-once, as Powertools does); a claim
that was marked sent is never taken again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gazette.adapters.dynamo import batch_write, n, s, transact_put_new

IN_PROGRESS = "INPROGRESS"
COMPLETED = "COMPLETED"
KEEP_DAYS = 30


class DeliveryClaims:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    def claim(self, keys: Sequence[str], now: float, hold_seconds: int = 300) -> set[str]:
        """Claims the keys nobody has sent or is sending; returns the ones this caller now holds."""
        puts = [
            {
                "TableName": self.table,
                "Item": {
                    "id": s(key),
                    "status": s(IN_PROGRESS),
                    "in_progress_until": n(int(now) + hold_seconds),
                    "expiration": n(int(now) + KEEP_DAYS * 86400),
                },
                "ConditionExpression": "attribute_not_exists(id) OR (#status = :held AND in_progress_until < :now)",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {":held": s(IN_PROGRESS), ":now": n(int(now))},
            }
            for key in keys
        ]
        written, _ = transact_put_new(self._client, puts, key="delivery claims")
        return {keys[index] for index in written}

    def _batch(self, requests: list[dict[str, Any]]) -> None:
        batch_write(self._client, self.table, requests, what="writing delivery claims")

    def complete(self, keys: Sequence[str], now: float) -> None:
        """Marks claims as sent: they are never taken again (until they expire after 30 days)."""
        self._batch([
            {"PutRequest": {"Item": {"id": s(key), "status": s(COMPLETED),
                                     "expiration": n(int(now) + KEEP_DAYS * 86400)}}}
            for key in keys
        ])

    def release(self, keys: Sequence[str]) -> None:
        """Gives claims back after a failed send, so the retried message can send them."""
        self._batch([{"DeleteRequest": {"Key": {"id": s(key)}}} for key in keys])
