"""Delivery claims: exactly one mail per (document, subscription), decided by conditional writes.

The claims of one subscription for one group of documents (a source's documents of one date: what
one mail usually lists) live in one small item, a ledger, one attribute per document: its value is
when the sender's hold ends, or SENT once the mail left. Claiming the documents of a mail is one
conditional UpdateItem on that ledger (every document free: never claimed, or held by a sender
whose hold has ended); marking them sent is one more. So a mail costs two single-item writes, not
a transaction item plus a write per document.

When some documents of a claim are taken already, DynamoDB returns the ledger as it was and the
rest is claimed again. A claim whose sender died before it was marked sent can be taken again once
its hold ends (at-least-once, as Powertools idempotency does); a document marked sent is never
claimed again while its ledger is kept (30 days after its last write).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gazette.adapters.dynamo import chunks, n, s
from gazette.adapters.errors import AWS_ERRORS, StoreError, error_code

SENT = 2**53  # a hold that never ends: the mail left
KEEP_DAYS = 30
PER_CALL = 40  # documents per conditional write: keeps the condition expression under its 4 KB limit


@dataclass(frozen=True, slots=True)
class Claim:
    ledger: str  # the item: one subscription's claims for one group of documents
    entry: str  # the attribute: one document


def _by_ledger(claims: Iterable[Claim]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for claim in claims:
        entries = grouped.setdefault(claim.ledger, [])
        if claim.entry not in entries:
            entries.append(claim.entry)
    return grouped


class DeliveryClaims:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    def claim(self, claims: Sequence[Claim], now: float, hold_seconds: int = 300) -> set[Claim]:
        """Claims what nobody has sent or is sending; returns the claims this caller now holds."""
        held: set[Claim] = set()
        for ledger, entries in _by_ledger(claims).items():
            for chunk in chunks(entries, PER_CALL):
                held.update(Claim(ledger, entry) for entry in self._claim(ledger, list(chunk), now, hold_seconds))
        return held

    def _claim(self, ledger: str, entries: list[str], now: float, hold_seconds: int) -> list[str]:
        pending = entries
        for _ in range(len(entries) + 1):  # each failed try removes at least one taken entry
            if not pending:
                return []
            names = {f"#e{i}": entry for i, entry in enumerate(pending)}
            try:
                self._client.update_item(
                    TableName=self.table,
                    Key={"id": s(ledger)},
                    UpdateExpression="SET " + ", ".join(f"{name} = :until" for name in names)
                    + ", expiration = :expires",
                    ConditionExpression=" AND ".join(f"(attribute_not_exists({name}) OR {name} < :now)"
                                                     for name in names),
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues={":until": n(int(now) + hold_seconds), ":now": n(int(now)),
                                               ":expires": n(int(now) + KEEP_DAYS * 86400)},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except AWS_ERRORS as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise StoreError("claiming deliveries failed") from exc
                item = getattr(exc, "response", {}).get("Item") or {}
                taken = {entry for entry in pending if entry in item and float(item[entry]["N"]) >= int(now)}
                if not taken:  # taken and given back in between: try the same entries again
                    continue
                pending = [entry for entry in pending if entry not in taken]
                continue
            return pending
        raise StoreError("claiming deliveries failed: the ledger kept changing")

    def _update(self, claims: Sequence[Claim], expression: Callable[[list[str]], str], values: dict[str, Any],
                what: str) -> None:
        for ledger, entries in _by_ledger(claims).items():
            for chunk in chunks(entries, PER_CALL):
                names = {f"#e{i}": entry for i, entry in enumerate(chunk)}
                request: dict[str, Any] = {"TableName": self.table, "Key": {"id": s(ledger)},
                                           "UpdateExpression": expression(list(names)),
                                           "ExpressionAttributeNames": names}
                if values:
                    request["ExpressionAttributeValues"] = values
                try:
                    self._client.update_item(**request)
                except AWS_ERRORS as exc:
                    raise StoreError(f"{what} failed") from exc

    def complete(self, claims: Sequence[Claim], now: float) -> None:
        """Marks claims as sent: they are never taken again (while their ledger is kept)."""
        self._update(claims, lambda names: "SET " + ", ".join(f"{name} = :sent" for name in names)
                     + ", expiration = :expires",
                     {":sent": n(SENT), ":expires": n(int(now) + KEEP_DAYS * 86400)}, "marking deliveries sent")

    def release(self, claims: Sequence[Claim]) -> None:
        """Gives claims back after a failed send, so the retried message can send them."""
        self._update(claims, lambda names: "REMOVE " + ", ".join(names), {}, "giving deliveries back")
