"""Mail state kept beside the subscriptions: the suppression list and pending digest items.

Layout in the subscriptions table (pk / sk):
- `SUPPRESS#<address hash>` / `ADDRESS`: an address SES reported as a permanent bounce or complaint.
- `DIGESTS#<period>` / `SUB#<id>`: this subscription has documents waiting for the period's digest.
- `DIGEST#<id>#<period>` / `DOC#<doc id>`: one waiting document (its public event, as JSON).
Writes are idempotent overwrites, so a redelivered document adds nothing twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gazette.adapters.dynamo import batch_write, chunks, plain, read_pages, s
from gazette.adapters.errors import AWS_ERRORS, StoreError

BATCH_GET = 100
DIGEST_TTL_DAYS = 21


def address_hash(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()[:32]



class SuppressionList:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    def suppress(self, address: str, reason: str, now: datetime | None = None) -> None:
        try:
            self._client.put_item(TableName=self.table, Item={
                "pk": s(f"SUPPRESS#{address_hash(address)}"),
                "sk": s("ADDRESS"),
                "reason": s(reason[:200]),
                "suppressed_at": s((now or datetime.now(UTC)).isoformat()),
            })
        except AWS_ERRORS as exc:
            raise StoreError("suppressing an address failed") from exc

    def suppressed(self, addresses: Iterable[str]) -> set[str]:
        """Which of these addresses must not be mailed: one read per hundred addresses."""
        by_hash = {address_hash(address): address for address in addresses}
        found: set[str] = set()
        keys = [{"pk": s(f"SUPPRESS#{digest}"), "sk": s("ADDRESS")} for digest in by_hash]
        try:
            for chunk in chunks(keys, BATCH_GET):
                request: dict[str, Any] = {self.table: {"Keys": list(chunk), "ProjectionExpression": "pk"}}
                while request:
                    response = self._client.batch_get_item(RequestItems=request)
                    for item in response.get("Responses", {}).get(self.table, []):
                        found.add(by_hash[item["pk"]["S"].removeprefix("SUPPRESS#")])
                    request = response.get("UnprocessedKeys") or {}
        except AWS_ERRORS as exc:
            raise StoreError("reading the suppression list failed") from exc
        return found


@dataclass(frozen=True, slots=True)
class PendingDigest:
    subscription_id: str
    period: str


class DigestStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    def add(self, entries: Sequence[tuple[str, str, str, str]], now: datetime | None = None) -> None:
        """Queues (subscription id, period, document id, event JSON) for their digests."""
        expires = int((now or datetime.now(UTC)).timestamp()) + DIGEST_TTL_DAYS * 86400
        requests: dict[tuple[str, str], dict[str, Any]] = {}
        for subscription_id, period, doc_id, event_json in entries:
            marker = {"pk": s(f"DIGESTS#{period}"), "sk": s(f"SUB#{subscription_id}"),
                      "expires_at": {"N": str(expires)}}
            item = {"pk": s(f"DIGEST#{subscription_id}#{period}"), "sk": s(f"DOC#{doc_id}"),
                    "event": s(event_json), "expires_at": {"N": str(expires)}}
            for row in (marker, item):
                requests[(row["pk"]["S"], row["sk"]["S"])] = {"PutRequest": {"Item": row}}
        batch_write(self._client, self.table, list(requests.values()), what="queueing digest items")

    def _query(self, pk: str) -> list[dict[str, Any]]:
        request = {"TableName": self.table, "KeyConditionExpression": "pk = :pk",
                   "ExpressionAttributeValues": {":pk": s(pk)}}
        return [plain(item) for item in read_pages(self._client, "query", request, what="reading pending digests")]

    def pending(self, period: str) -> list[PendingDigest]:
        return [PendingDigest(item["sk"].removeprefix("SUB#"), period) for item in self._query(f"DIGESTS#{period}")]

    def events(self, digest: PendingDigest) -> list[str]:
        return [item["event"] for item in self._query(f"DIGEST#{digest.subscription_id}#{digest.period}")]

    def clear(self, digest: PendingDigest) -> None:
        """Removes a sent digest's items and its marker."""
        rows = self._query(f"DIGEST#{digest.subscription_id}#{digest.period}")
        keys = [{"pk": s(row["pk"]), "sk": s(row["sk"])} for row in rows]
        keys.append({"pk": s(f"DIGESTS#{digest.period}"), "sk": s(f"SUB#{digest.subscription_id}")})
        batch_write(self._client, self.table, [{"DeleteRequest": {"Key": key}} for key in keys],
                    what="clearing a sent digest")
