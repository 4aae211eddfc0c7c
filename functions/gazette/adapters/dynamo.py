"""DynamoDB adapters: the only code that knows item layouts and conditional expressions.

Low-level client calls with hand-built attribute maps: cheaper in CPU than the resource layer, and
every write that decides "first or not" is a condition evaluated by DynamoDB, never a read first.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gazette.adapters.errors import AWS_ERRORS, StoreError, error_code
from gazette.domain import health
from gazette.domain.politeness import host_key

TRANSACTION_LIMIT = 100


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: float | int) -> dict[str, str]:
    return {"N": str(value)}


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """An item's attributes as Python values (S, N, BOOL, SS, L of S, NULL are all we store)."""
    out: dict[str, Any] = {}
    for key, attr in item.items():
        (kind, value), = attr.items()
        if kind == "N":
            out[key] = float(value) if "." in value else int(value)
        elif kind == "L":
            out[key] = [next(iter(element.values())) for element in value]
        elif kind == "NULL":
            out[key] = None
        else:
            out[key] = value
    return out


def _cancelled_indexes(exc: BaseException) -> list[int]:
    """Which items of a cancelled transaction failed their condition."""
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    return [index for index, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"]


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read_pages(client: Any, operation: str, request: dict[str, Any], *, what: str) -> Iterator[dict[str, Any]]:
    """Every item of a paginated query or scan, raw; SDK errors become StoreError naming `what`."""
    request = dict(request)
    call = getattr(client, operation)
    try:
        while True:
            page = call(**request)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    except AWS_ERRORS as exc:
        raise StoreError(f"{what} failed") from exc


def batch_write(client: Any, table: str, requests: Sequence[dict[str, Any]], *, what: str, attempts: int = 8) -> None:
    """Put and delete requests, 25 a call, retrying what DynamoDB leaves unprocessed."""
    for chunk in chunks(requests, 25):
        pending: dict[str, Any] = {table: list(chunk)}
        try:
            for _ in range(attempts):
                pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
            else:
                raise StoreError(f"{what}: some writes were left unprocessed")
        except AWS_ERRORS as exc:
            raise StoreError(f"{what} failed") from exc


def transact_put_new(client: Any, puts: list[dict[str, Any]], *, key: str) -> tuple[list[int], list[int]]:
    """Conditionally puts items that must not exist yet, up to a hundred per call.

    Returns (indexes written, indexes that already existed). A transaction is all-or-nothing, so
    when some items already exist they are set aside and the rest is written again.
    """
    written: list[int] = []
    existing: list[int] = []
    for start in range(0, len(puts), TRANSACTION_LIMIT):
        pending = list(range(start, min(start + TRANSACTION_LIMIT, len(puts))))
        while pending:
            request = [{"Put": puts[index]} for index in pending]
            try:
                if len(request) == 1:
                    client.put_item(**request[0]["Put"])
                else:
                    client.transact_write_items(TransactItems=request)
            except AWS_ERRORS as exc:
                code = error_code(exc)
                if code == "ConditionalCheckFailedException":
                    existing.extend(pending)
                    break
                if code == "TransactionCanceledException":
                    failed = set(_cancelled_indexes(exc))
                    if not failed:
                        raise StoreError(f"transaction on {key} cancelled") from exc
                    existing.extend(pending[i] for i in failed)
                    pending = [index for i, index in enumerate(pending) if i not in failed]
                    continue
                raise StoreError(f"conditional write on {key} failed") from exc
            written.extend(pending)
            break
    return written, existing


def transact_put_new_with_rows(client: Any, puts: list[dict[str, Any]], rows: list[list[dict[str, Any]]], *,
                               key: str) -> tuple[list[int], list[int]]:
    """As transact_put_new, each conditional put written in the same transaction as its own rows
    (unconditional puts, e.g. listing rows): an item and its rows are stored together or not at all,
    in one call where two were needed."""
    written: list[int] = []
    existing: list[int] = []
    start = 0
    while start < len(puts):
        end, actions = start, 0
        while end < len(puts) and (end == start or actions + 1 + len(rows[end]) <= TRANSACTION_LIMIT):
            actions += 1 + len(rows[end])
            end += 1
        pending = list(range(start, end))
        while pending:
            request = [{"Put": puts[index]} for index in pending]
            request += [{"Put": row} for index in pending for row in rows[index]]
            try:
                if len(request) == 1:
                    client.put_item(**request[0]["Put"])
                else:
                    client.transact_write_items(TransactItems=request)
            except AWS_ERRORS as exc:
                code = error_code(exc)
                if code == "ConditionalCheckFailedException":
                    existing.extend(pending)
                    break
                if code == "TransactionCanceledException":
                    failed = {i for i in _cancelled_indexes(exc) if i < len(pending)}
                    if not failed:
                        raise StoreError(f"transaction on {key} cancelled") from exc
                    existing.extend(pending[i] for i in failed)
                    pending = [index for i, index in enumerate(pending) if i not in failed]
                    continue
                raise StoreError(f"conditional write on {key} failed") from exc
            written.extend(pending)
            break
        start = end
    return written, existing


# ------------------------------------------------------------------------------------------ feeds
@dataclass(frozen=True, slots=True)
class FeedState:
    feed_id: str
    url: str
    name: str
    issuer: str | None
    language: str
    min_interval: int
    fetch_link: bool
    etag: str | None
    last_modified: str | None
    consecutive_failures: int
    source_type: str = "feed"  # feed | html_list | json_list
    source_spec: str | None = None  # the source's extraction spec as JSON (None for a plain feed)
    host_shared: bool = False  # another source is on the same host: requests go through the host gate
    items_hash: str | None = None  # fingerprint of the items the last successful poll saw
    last_success_at: str | None = None  # None: never polled successfully, the next success is the baseline
    health_status: str | None = None  # what the last poll left (its status if nothing changes now)
    robots_txt: str | None = None  # the cached robots.txt (None: never read)
    robots_status: int | None = None
    robots_fetched_at: int | None = None


POLL_GROUP = "enabled"
RECENT_SUFFIX = "#recent"
HOST_PREFIX = "host#"


class FeedStore:
    RECENT_LIMIT = 400

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    def put_feed(self, feed: dict[str, Any]) -> None:
        """Registers or updates a feed's configuration, keeping its polling state."""
        names = {"#url": "url", "#name": "name", "#lang": "language", "#region": "region"}
        values = {
            ":url": s(feed["url"]),
            ":name": s(feed.get("name") or feed["feed_id"]),
            ":lang": s(feed.get("language", "zh-Hans")),
            ":region": s(feed.get("region") or ""),
            ":interval": n(int(feed.get("min_interval", 900))),
            ":enabled": {"BOOL": bool(feed.get("enabled", True))},
            ":fetch": {"BOOL": bool(feed.get("fetch_link", True))},
            ":zero": n(0),
        }
        sets = ["#url = :url", "#name = :name", "#lang = :lang", "#region = :region",
                "min_interval = :interval", "enabled = :enabled", "fetch_link = :fetch",
                "next_poll_at = if_not_exists(next_poll_at, :zero)"]
        removals = []
        if feed.get("enabled", True):
            sets.append("poll_group = :group")
            values[":group"] = s(POLL_GROUP)
        else:
            removals.append("poll_group")
        if feed.get("issuer"):
            sets.append("issuer = :issuer")
            values[":issuer"] = s(feed["issuer"])
        # The source's type and extraction spec travel with it, so the poller extracts with them.
        sets.append("source_type = :type")
        values[":type"] = s(feed.get("type") or "feed")
        spec = feed.get("source_spec")
        if spec:
            sets.append("source_spec = :spec")
            values[":spec"] = s(spec if isinstance(spec, str) else json.dumps(spec, ensure_ascii=False,
                                                                               sort_keys=True))
        else:
            removals.append("source_spec")
        try:
            self._client.update_item(
                TableName=self.table,
                Key={"feed_id": s(feed["feed_id"])},
                UpdateExpression="SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removals) if removals else ""),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except AWS_ERRORS as exc:
            raise StoreError("saving a feed failed") from exc

    def due_feeds(self, now: float) -> list[str]:
        """Ids of enabled feeds whose next poll time has come: a query of the sparse `due` index."""
        ids: list[str] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "due",
            "KeyConditionExpression": "poll_group = :group AND next_poll_at <= :now",
            "ExpressionAttributeValues": {":group": s(POLL_GROUP), ":now": n(int(now))},
        }
        ids.extend(item["feed_id"]["S"] for item in read_pages(self._client, "query", kwargs, what="listing due feeds"))
        return ids

    def acquire(self, feed_id: str, owner: str, now: float, lease_seconds: int) -> FeedState | None:
        """Takes the feed's lease and moves its next poll time, in one call; None if held or disabled.

        The same owner (a retried message) may take it again. An unchanged feed (304) needs no
        further write: the lease expires by itself before the next poll is due.
        """
        try:
            item = self._client.update_item(
                TableName=self.table,
                Key={"feed_id": s(feed_id)},
                # health_next is what the health becomes if this poll finds nothing new; copying it
                # now lets an unchanged poll end without a second write.
                UpdateExpression="SET lease_until = :until, lease_owner = :owner, last_checked_at = :now, "
                "next_poll_at = min_interval + :now, last_poll_at = :iso, "
                "health_status = if_not_exists(health_next, :unchanged), "
                "health_reason = if_not_exists(health_next_reason, :unchanged_reason)",
                ConditionExpression="attribute_exists(feed_id) AND enabled = :true AND "
                "(attribute_not_exists(lease_until) OR lease_until < :now OR lease_owner = :owner)",
                ExpressionAttributeValues={
                    ":until": n(int(now) + lease_seconds),
                    ":owner": s(owner),
                    ":now": n(int(now)),
                    ":iso": s(datetime.fromtimestamp(now, UTC).isoformat()),
                    ":true": {"BOOL": True},
                    ":unchanged": s(health.UNCHANGED),
                    ":unchanged_reason": s(health.UNCHANGED_REASON),
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except AWS_ERRORS as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise StoreError("taking a feed lease failed") from exc
        data = plain(item)
        return FeedState(
            feed_id=feed_id,
            url=data["url"],
            name=data.get("name", feed_id),
            issuer=data.get("issuer") or None,
            language=data.get("language", "zh-Hans"),
            min_interval=int(data.get("min_interval", 900)),
            fetch_link=bool(data.get("fetch_link", True)),
            etag=data.get("etag"),
            last_modified=data.get("last_modified"),
            consecutive_failures=int(data.get("consecutive_failures", 0)),
            source_type=data.get("source_type") or "feed",
            source_spec=data.get("source_spec") or None,
            host_shared=bool(data.get("host_shared", False)),
            items_hash=data.get("items_hash") or None,
            last_success_at=data.get("last_success_at") or None,
            health_status=data.get("health_next") or None,
            robots_txt=data.get("robots_txt"),
            robots_status=data.get("robots_status"),
            robots_fetched_at=data.get("robots_fetched_at"),
        )

    def release(self, feed_id: str, owner: str, changes: dict[str, Any], remove: Sequence[str] = ()) -> None:
        """Writes the poll's outcome and gives the lease back, if we still hold it."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {":owner": s(owner)}
        sets = []
        for index, (key, value) in enumerate(changes.items()):
            names[f"#k{index}"] = key
            if isinstance(value, bool):
                values[f":v{index}"] = {"BOOL": value}
            elif isinstance(value, int | float):
                values[f":v{index}"] = n(value)
            else:
                values[f":v{index}"] = s(str(value))
            sets.append(f"#k{index} = :v{index}")
        removals = ["lease_until", "lease_owner", *remove]
        expression = ("SET " + ", ".join(sets) + " " if sets else "") + "REMOVE " + ", ".join(removals)
        request: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"feed_id": s(feed_id)},
            "UpdateExpression": expression,
            "ConditionExpression": "lease_owner = :owner",
            "ExpressionAttributeValues": values,
        }
        if names:
            request["ExpressionAttributeNames"] = names
        try:
            self._client.update_item(**request)
        except AWS_ERRORS as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return  # the lease expired and another poller took over: its write wins
            raise StoreError("saving feed state failed") from exc

    # The ids seen in the last fetches live in an item of their own, read and written only when a
    # feed changed: an unchanged feed's one write (the lease) stays a small item.
    def recent_ids(self, feed_id: str) -> tuple[str, ...]:
        try:
            item = self._client.get_item(TableName=self.table, Key={"feed_id": s(f"{feed_id}{RECENT_SUFFIX}")},
                                         ProjectionExpression="ids").get("Item")
        except AWS_ERRORS as exc:
            raise StoreError("reading a feed's recent entries failed") from exc
        return tuple(json.loads(item["ids"]["S"])) if item else ()

    def save_recent_ids(self, feed_id: str, ids: Sequence[str]) -> None:
        try:
            self._client.put_item(TableName=self.table, Item={
                "feed_id": s(f"{feed_id}{RECENT_SUFFIX}"), "kind": s("recent"),
                "ids": s(json.dumps(list(ids[: self.RECENT_LIMIT]))),
            })
        except AWS_ERRORS as exc:
            raise StoreError("saving a feed's recent entries failed") from exc

    def get(self, feed_id: str) -> dict[str, Any] | None:
        try:
            item = self._client.get_item(TableName=self.table, Key={"feed_id": s(feed_id)}).get("Item")
        except AWS_ERRORS as exc:
            raise StoreError("reading a feed failed") from exc
        return plain(item) if item else None

    def list_feeds(self) -> list[dict[str, Any]]:
        request = {"TableName": self.table, "FilterExpression": "attribute_not_exists(kind)"}
        return [plain(item) for item in read_pages(self._client, "scan", request, what="listing feeds")]

    def mark_shared_hosts(self) -> dict[str, int]:
        """Flags every source whose host serves another source too; returns sources per shared host.

        Politeness between the sources of one host costs two writes on the host's row per poll, so
        only sources that share a host pay it (a lone source's own lease already keeps its requests
        one at a time, and its minimum interval is minutes). Run after loading a registry.
        """
        request = {"TableName": self.table, "FilterExpression": "attribute_not_exists(kind)",
                   "ProjectionExpression": "feed_id, #url, enabled, host_shared",
                   "ExpressionAttributeNames": {"#url": "url"}}
        sources = [plain(item) for item in read_pages(self._client, "scan", request, what="listing feeds")]
        per_host: dict[str, int] = {}
        for source in sources:
            if source.get("enabled", True):
                per_host[host_key(source["url"])] = per_host.get(host_key(source["url"]), 0) + 1
        for source in sources:
            shared = bool(source.get("enabled", True)) and per_host.get(host_key(source["url"]), 0) > 1
            if bool(source.get("host_shared", False)) == shared:
                continue
            try:
                self._client.update_item(
                    TableName=self.table, Key={"feed_id": s(source["feed_id"])},
                    UpdateExpression="SET host_shared = :shared",
                    ConditionExpression="attribute_exists(feed_id)",
                    ExpressionAttributeValues={":shared": {"BOOL": shared}},
                )
            except AWS_ERRORS as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise StoreError("flagging shared hosts failed") from exc
        return {host: count for host, count in per_host.items() if count > 1}


def _ms_up(moment: float) -> float:
    """A time rounded up to the millisecond: a host is never free earlier than it should be."""
    return math.ceil(moment * 1000) / 1000


class HostGate:
    """One row per shared host in the feeds table: who may send the host its next request, and when.

    `reserve` is one conditional write that succeeds only when the host is free (its `free_at` has
    passed), and holds it for at most `hold` seconds; `release` sets `free_at` to the end of the
    holder's last request plus the host's minimum interval. Concurrent pollers in any number of
    Lambdas therefore send a host one request at a time, spaced by at least the interval.
    """

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    def reserve(self, host: str, owner: str, now: float, hold: float) -> tuple[float, bool] | None:
        """Takes the host and returns None; if it is not free, (free_at, held by another poller).

        While a poller holds the host, `free_at` is only the end of its hold, not when it will let go.
        """
        try:
            self._client.update_item(
                TableName=self.table,
                Key={"feed_id": s(HOST_PREFIX + host)},
                UpdateExpression="SET kind = :kind, holder = :owner, free_at = :until",
                ConditionExpression="attribute_not_exists(free_at) OR free_at <= :now OR holder = :owner",
                ExpressionAttributeValues={":kind": s("host"), ":owner": s(owner), ":until": n(_ms_up(now + hold)),
                                           ":now": n(math.floor(now * 1000) / 1000)},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except AWS_ERRORS as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                item = getattr(exc, "response", {}).get("Item") or {}
                free_at = float(item["free_at"]["N"]) if "free_at" in item else now + 1.0
                return free_at, "holder" in item
            raise StoreError("reserving a host failed") from exc
        return None

    def release(self, host: str, owner: str, free_at: float) -> None:
        try:
            self._client.update_item(
                TableName=self.table,
                Key={"feed_id": s(HOST_PREFIX + host)},
                UpdateExpression="SET free_at = :free REMOVE holder",
                ConditionExpression="holder = :owner",
                ExpressionAttributeValues={":owner": s(owner), ":free": n(_ms_up(free_at))},
            )
        except AWS_ERRORS as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return  # held past its hold time and taken over: the new holder's row stands
            raise StoreError("releasing a host failed") from exc


class HostRobots:
    """Each host's robots.txt on the host's row of the feeds table (`host#<host>`), beside its gate.

    The poller and ingest, in any container, read it there before they ask the host itself, so a
    host's robots.txt is requested about once per TTL between all of them. A plain update: it never
    touches the gate's `free_at` or `holder`.
    """

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    def get(self, host: str) -> tuple[float, int, str] | None:
        """(fetched at, HTTP status, text) as last stored, or None."""
        try:
            item = self._client.get_item(
                TableName=self.table, Key={"feed_id": s(HOST_PREFIX + host)}, ConsistentRead=True,
                ProjectionExpression="robots_fetched_at, robots_status, robots_txt",
            ).get("Item")
        except AWS_ERRORS as exc:
            raise StoreError("reading a host's robots.txt failed") from exc
        if not item or "robots_fetched_at" not in item or "robots_status" not in item:
            return None
        return (float(item["robots_fetched_at"]["N"]), int(item["robots_status"]["N"]),
                item.get("robots_txt", {}).get("S", ""))

    def put(self, host: str, fetched_at: float, status: int, text: str) -> None:
        try:
            self._client.update_item(
                TableName=self.table,
                Key={"feed_id": s(HOST_PREFIX + host)},
                UpdateExpression="SET kind = :kind, robots_fetched_at = :at, robots_status = :status, "
                                 "robots_txt = :text",
                ExpressionAttributeValues={":kind": s("host"), ":at": n(int(fetched_at)), ":status": n(status),
                                           ":text": s(text)},
            )
        except AWS_ERRORS as exc:
            raise StoreError("storing a host's robots.txt failed") from exc


class EntryClaims:
    """One item per (feed, entry): the first poller to write it enqueues the entry."""

    TTL_SECONDS = 400 * 86400

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    def claim(self, feed_id: str, entry_ids: Sequence[str], owner: str, now: float) -> list[str]:
        """Returns the ids this owner holds now: newly claimed, or claimed by it on an earlier try."""
        puts = [
            {
                "TableName": self.table,
                "Item": {
                    "feed_id": s(feed_id),
                    "entry_id": s(entry_id),
                    "claimed_by": s(owner),
                    "claimed_at": n(int(now)),
                    "expires_at": n(int(now) + self.TTL_SECONDS),
                },
                "ConditionExpression": "attribute_not_exists(entry_id) OR claimed_by = :owner",
                "ExpressionAttributeValues": {":owner": s(owner)},
            }
            for entry_id in entry_ids
        ]
        written, _ = transact_put_new(self._client, puts, key="entry claims")
        return [entry_ids[index] for index in written]


# -------------------------------------------------------------------------------------- documents
class DocumentStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    def put_new(self, items: list[dict[str, Any]], index: DocumentIndex | None = None) -> tuple[list[int], list[int]]:
        """Writes documents that do not exist yet; returns (created, already present) indexes.

        Each item gets the attributes the listing indexes read (`listed`, `listed_at`). With `index`,
        each new document's domain listing rows are written in the same transaction as the document.
        """
        for item in items:
            item.setdefault("listed", s(LISTED))
            item.setdefault("listed_at", s(index_sort_key(item)))
        puts = [
            {
                "TableName": self.table,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(doc_id)",
            }
            for item in items
        ]
        if index is None:
            return transact_put_new(self._client, puts, key="documents")
        return transact_put_new_with_rows(self._client, puts, [index.puts(item) for item in items], key="documents")

    def add_source(self, doc_id: str, source: str) -> None:
        """Records another place the same document was found (a set: adding twice is harmless)."""
        try:
            self._client.update_item(
                TableName=self.table,
                Key={"doc_id": s(doc_id)},
                UpdateExpression="ADD sources :source",
                ExpressionAttributeValues={":source": {"SS": [source]}},
            )
        except AWS_ERRORS as exc:
            raise StoreError("recording a document source failed") from exc

    def get(self, doc_id: str) -> dict[str, Any] | None:
        try:
            item = self._client.get_item(TableName=self.table, Key={"doc_id": s(doc_id)}).get("Item")
        except AWS_ERRORS as exc:
            raise StoreError("reading a document failed") from exc
        return plain(item) if item else None

    def scan_all(self) -> list[dict[str, Any]]:
        """Every document (the demo's summary; the API lists documents with queries)."""
        return [plain(item) for item in read_pages(self._client, "scan", {"TableName": self.table},
                                                   what="listing documents")]


# ---------------------------------------------------------------------------------- browse index
# All documents, a feed's and an issuer's are global secondary indexes of the documents table (no
# extra writes); a document can be in several domains, so those listings are rows of their own.
INDEX_FIELDS = ("doc_id", "title", "doc_number", "issuer", "published", "feed_id", "language", "domains",
                "summary", "created_at")
LISTED = "all"
GSI = {"ALL": ("by_date", "listed"), "FEED": ("by_feed", "feed_id"), "ISSUER": ("by_issuer", "issuer")}


def domain_keys(item: dict[str, Any]) -> list[str]:
    """The domain listings a stored document appears in (`DOMAIN#none` when it has no domain)."""
    domains = [value["S"] for value in item.get("domains", {}).get("L", [])]
    return [f"DOMAIN#{domain}" for domain in domains or ["none"]]


def index_sort_key(item: dict[str, Any]) -> str:
    date = item.get("published", item.get("created_at", {"S": ""}))["S"][:10]
    return f"{date}#{item['doc_id']['S']}"


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """An opaque cursor back to DynamoDB's start key; anything malformed is a ValueError."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("cursor is not one this API returned") from exc
    if not isinstance(key, dict) or set(key) != {"pk", "sk"} or not all(
            isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values()):
        raise ValueError("cursor is not one this API returned")
    return key


@dataclass(frozen=True, slots=True)
class IndexPage:
    items: list[dict[str, Any]]
    cursor: str | None


class DocumentIndex:
    """Date-ordered listings of documents by domain, feed, issuer or all, read with queries.

    Cursors have one shape whatever the listing ({pk: listing key, sk: date#doc id}), so a caller can
    tell which listing a cursor continues.
    """

    def __init__(self, client: Any, table: str, documents_table: str) -> None:
        self._client = client
        self.table = table
        self.documents_table = documents_table

    def rows(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        """A stored document's domain listing rows."""
        projected = {key: item[key] for key in INDEX_FIELDS if key in item}
        sort_key = index_sort_key(item)
        return [{"pk": s(key), "sk": s(sort_key), **projected} for key in domain_keys(item)]

    def puts(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows as transaction puts (DocumentStore.put_new writes them with their document)."""
        return [{"TableName": self.table, "Item": row} for row in self.rows(item)]

    def add(self, items: Sequence[dict[str, Any]]) -> None:
        """Writes the domain rows of newly stored documents (idempotent: same keys, same rows)."""
        rows = [row for item in items for row in self.rows(item)]
        batch_write(self._client, self.table, [{"PutRequest": {"Item": row}} for row in rows],
                    what="writing document listing rows")

    def _physical(self, key: str) -> tuple[str, str | None, str, str, str]:
        """(table, index name, partition attribute, partition value, sort attribute) of a listing."""
        kind, _, value = key.partition("#")
        if kind == "DOMAIN":
            return self.table, None, "pk", key, "sk"
        if kind not in GSI:
            raise ValueError(f"unknown listing {key!r}")
        index, attribute = GSI[kind]
        return self.documents_table, index, attribute, value or LISTED, "listed_at"

    def query(self, key: str, *, since: str | None = None, until: str | None = None, limit: int = 20,
              cursor: str | None = None, text: str | None = None) -> IndexPage:
        """Newest first. `since`/`until` are YYYY-MM-DD (inclusive); `text` narrows by title."""
        table, index, partition, value, sort = self._physical(key)
        names = {"#p": partition}
        values: dict[str, Any] = {":pk": s(value)}
        condition = "#p = :pk"
        if since or until:
            names["#s"] = sort
            condition += " AND #s BETWEEN :low AND :high"
            values[":low"], values[":high"] = s(since or "0000"), s((until or "9999") + "#~")
        request: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if index:
            request["IndexName"] = index
        if text:
            request["FilterExpression"] = "contains(title, :text)"
            values[":text"] = s(text)
        if cursor:
            start = decode_cursor(cursor)
            sort_value = start["sk"]["S"]
            request["ExclusiveStartKey"] = (
                start if index is None else
                {partition: s(value), "listed_at": s(sort_value), "doc_id": s(sort_value.partition("#")[2])}
            )
        try:
            page = self._client.query(**request)
        except AWS_ERRORS as exc:
            raise StoreError("listing documents failed") from exc
        last = page.get("LastEvaluatedKey")
        next_key = None if not last else (last if index is None else {"pk": s(key), "sk": last["listed_at"]})
        return IndexPage([plain(item) for item in page.get("Items", [])], encode_cursor(next_key))

    def dates(self, key: str, *, since: str, until: str) -> list[str]:
        """The dates (YYYY-MM-DD) of every document of a listing in a range, newest first: sort keys only."""
        table, index, partition, value, sort = self._physical(key)
        request: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": "#p = :pk AND #s BETWEEN :low AND :high",
            "ExpressionAttributeNames": {"#p": partition, "#s": sort},
            "ExpressionAttributeValues": {":pk": s(value), ":low": s(since), ":high": s(until + "#~")},
            "ProjectionExpression": "#s",
            "ScanIndexForward": False,
        }
        if index:
            request["IndexName"] = index
        return [item[sort]["S"][:10] for item in read_pages(self._client, "query", request, what="counting documents")]

