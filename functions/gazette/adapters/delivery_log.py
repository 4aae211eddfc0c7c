"""The webhook delivery log in DynamoDB: every attempt, each delivery's payload and state, endpoint health.

Layout (one table, pk/sk, everything of an endpoint under its own partition, TTL 30 days):
- `SUB#<id>` / `A#<time>#<delivery id>#<replay>#<attempt>`: one row per attempt (time, status code,
  latency, error, outcome), so the newest attempts are one query away.
- `SUB#<id>` / `D#<delivery id>`: the delivery: the exact body that is signed (for replays), its
  state (pending, delivered, failed, dropped), attempt count, last status and, while a retry is
  scheduled, when it is due (`next_attempt_at`).
- `SUB#<id>` / `HEALTH`: since when the endpoint has been failing, and whether its owner was told.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gazette.adapters.dynamo import decode_cursor, encode_cursor, n, plain, read_pages, s
from gazette.adapters.errors import AWS_ERRORS, StoreError, error_code

TTL = timedelta(days=30)
HEALTH = "HEALTH"
ATTEMPT_FIELDS = ("delivery_id", "attempt", "replay", "at", "status", "latency_ms", "error", "outcome",
                  "event_type")


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    subscription_id: str
    delivery_id: str
    attempt: int
    replay: int
    at: datetime
    outcome: str  # delivered | retry | gone | exhausted
    event_type: str
    status: int | None = None
    latency_ms: int | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None  # when the retry this attempt scheduled is due


def _stamp(moment: datetime) -> str:
    """Fixed-width UTC time, so sort keys order by time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _expiry(moment: datetime) -> dict[str, str]:
    return n(int((moment + TTL).timestamp()))


def _attempt_out(item: dict[str, Any]) -> dict[str, Any]:
    data = plain(item)
    return {name: data.get(name) for name in ATTEMPT_FIELDS}


class DeliveryLog:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    # ------------------------------------------------------------------ attempts and deliveries
    def record_attempt(self, record: AttemptRecord, *, payload: str, state: str) -> None:
        """Writes the attempt's row and brings the delivery's own row up to date."""
        pk = s(f"SUB#{record.subscription_id}")
        row: dict[str, Any] = {
            "pk": pk,
            "sk": s(f"A#{_stamp(record.at)}#{record.delivery_id}#{record.replay}#{record.attempt:02d}"),
            "delivery_id": s(record.delivery_id),
            "attempt": n(record.attempt),
            "replay": n(record.replay),
            "at": s(_stamp(record.at)),
            "outcome": s(record.outcome),
            "event_type": s(record.event_type),
            "expires_at": _expiry(record.at),
        }
        if record.status is not None:
            row["status"] = n(record.status)
        if record.latency_ms is not None:
            row["latency_ms"] = n(record.latency_ms)
        if record.error:
            row["error"] = s(record.error[:500])
        try:
            self._client.put_item(TableName=self.table, Item=row)
            self._client.update_item(
                TableName=self.table,
                Key={"pk": pk, "sk": s(f"D#{record.delivery_id}")},
                UpdateExpression="SET payload = :payload, event_type = :type, #state = :state, "
                "last_attempt_at = :at, last_status = :status, expires_at = :ttl, "
                "created_at = if_not_exists(created_at, :at), next_attempt_at = :next ADD attempts :one",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":payload": s(payload), ":type": s(record.event_type), ":state": s(state),
                    ":at": s(_stamp(record.at)), ":ttl": _expiry(record.at), ":one": n(1),
                    ":status": n(record.status) if record.status is not None else {"NULL": True},
                    ":next": s(_stamp(record.next_attempt_at)) if record.next_attempt_at else {"NULL": True},
                },
            )
        except AWS_ERRORS as exc:
            raise StoreError("recording a webhook attempt failed") from exc

    def set_state(self, subscription_id: str, delivery_id: str, state: str) -> None:
        try:
            self._client.update_item(
                TableName=self.table,
                Key={"pk": s(f"SUB#{subscription_id}"), "sk": s(f"D#{delivery_id}")},
                UpdateExpression="SET #state = :state",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":state": s(state)},
            )
        except AWS_ERRORS as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return  # never attempted (or expired): nothing to mark
            raise StoreError("marking a webhook delivery failed") from exc

    def delivery(self, subscription_id: str, delivery_id: str) -> dict[str, Any] | None:
        try:
            item = self._client.get_item(
                TableName=self.table, Key={"pk": s(f"SUB#{subscription_id}"), "sk": s(f"D#{delivery_id}")},
            ).get("Item")
        except AWS_ERRORS as exc:
            raise StoreError("reading a webhook delivery failed") from exc
        return plain(item) if item else None

    def deliveries(self, subscription_id: str) -> list[dict[str, Any]]:
        """Every delivery row of an endpoint (state, attempts, last status, next attempt), payloads left out."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": s(f"SUB#{subscription_id}"), ":prefix": s("D#")},
            "ProjectionExpression": "sk, #state, attempts, last_status, last_attempt_at, next_attempt_at, event_type",
            "ExpressionAttributeNames": {"#state": "state"},
        }
        rows = []
        for item in read_pages(self._client, "query", request, what="listing webhook deliveries"):
            data = plain(item)
            rows.append({"delivery_id": data.pop("sk").removeprefix("D#"), **data})
        return rows

    def attempts(self, subscription_id: str, *, limit: int = 20,
                 cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """One page of attempts, newest first; a cursor not made for this endpoint is a ValueError."""
        pk = f"SUB#{subscription_id}"
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": s(pk), ":prefix": s("A#")},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            start = decode_cursor(cursor)
            if start["pk"]["S"] != pk or not start["sk"]["S"].startswith("A#"):
                raise ValueError("cursor is not one this API returned")
            request["ExclusiveStartKey"] = start
        try:
            page = self._client.query(**request)
        except AWS_ERRORS as exc:
            raise StoreError("listing webhook deliveries failed") from exc
        return [_attempt_out(item) for item in page.get("Items", [])], encode_cursor(page.get("LastEvaluatedKey"))

    def delivery_ids_since(self, subscription_id: str, since: datetime) -> Iterator[str]:
        """Each delivery attempted at or after `since`, once, oldest first."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {":pk": s(f"SUB#{subscription_id}"), ":low": s(f"A#{_stamp(since)}"),
                                          ":high": s("A#~")},
            "ProjectionExpression": "delivery_id",
        }
        seen: set[str] = set()
        try:
            while True:
                page = self._client.query(**request)
                for item in page.get("Items", []):
                    delivery_id = item["delivery_id"]["S"]
                    if delivery_id not in seen:
                        seen.add(delivery_id)
                        yield delivery_id
                if "LastEvaluatedKey" not in page:
                    return
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except AWS_ERRORS as exc:
            raise StoreError("listing webhook deliveries failed") from exc

    # ------------------------------------------------------------------ endpoint health
    def note_failure(self, subscription_id: str, now: datetime) -> datetime:
        """Since when the endpoint has been failing without a success in between (now, if this is the first)."""
        try:
            attributes = self._client.update_item(
                TableName=self.table,
                Key={"pk": s(f"SUB#{subscription_id}"), "sk": s(HEALTH)},
                UpdateExpression="SET failing_since = if_not_exists(failing_since, :now), expires_at = :ttl",
                ExpressionAttributeValues={":now": s(_stamp(now)), ":ttl": _expiry(now)},
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except AWS_ERRORS as exc:
            raise StoreError("recording an endpoint failure failed") from exc
        return datetime.strptime(attributes["failing_since"]["S"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)

    def note_success(self, subscription_id: str) -> None:
        """A success ends a failing period: the five-day count and the owner notice start again."""
        try:
            self._client.delete_item(
                TableName=self.table,
                Key={"pk": s(f"SUB#{subscription_id}"), "sk": s(HEALTH)},
                ConditionExpression="attribute_exists(pk)",
            )
        except AWS_ERRORS as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return
            raise StoreError("recording an endpoint success failed") from exc

    def claim_owner_notice(self, subscription_id: str, now: datetime) -> bool:
        """True for exactly one caller per failing period: the one that should mail the owner."""
        try:
            self._client.update_item(
                TableName=self.table,
                Key={"pk": s(f"SUB#{subscription_id}"), "sk": s(HEALTH)},
                UpdateExpression="SET owner_notified_at = :now, failing_since = if_not_exists(failing_since, :now), "
                "expires_at = :ttl",
                ConditionExpression="attribute_not_exists(owner_notified_at)",
                ExpressionAttributeValues={":now": s(_stamp(now)), ":ttl": _expiry(now)},
            )
        except AWS_ERRORS as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise StoreError("recording an owner notice failed") from exc
        return True

    def release_owner_notice(self, subscription_id: str) -> None:
        """Gives the notice back when its mail could not be sent, so a retry sends it."""
        try:
            self._client.update_item(
                TableName=self.table,
                Key={"pk": s(f"SUB#{subscription_id}"), "sk": s(HEALTH)},
                UpdateExpression="REMOVE owner_notified_at",
            )
        except AWS_ERRORS as exc:
            raise StoreError("releasing an owner notice failed") from exc
