"""Finding documents by domain, feed, issuer, dates and title text: one listing shared by the API,
the browse page and the Atom feeds.

Every listing is a query of one index, newest first, never a scan: a domain's rows
(DocumentIndexTable), else the documents table's `by_feed`, `by_issuer` or `by_date` index. The date
range is part of the key condition. The other filters given narrow that query's rows: feed and issuer
in code, the title text as a DynamoDB filter expression, which DynamoDB applies to each page after
reading it. So a page may need several reads to fill; it reads at most MAX_READS index pages and
then answers what it found with a cursor to go on from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from gazette.adapters.dynamo import DocumentIndex, decode_cursor, encode_cursor
from gazette.api.errors import InvalidInput

MAX_READS = 5


@dataclass(frozen=True, slots=True)
class Filters:
    domain: str | None = None  # a taxonomy domain, or "none": documents in no domain
    feed: str | None = None
    issuer: str | None = None
    since: date | None = None
    until: date | None = None
    q: str | None = None

    def key(self) -> str:
        """The listing read: the most selective index the filters allow."""
        if self.domain:
            return f"DOMAIN#{self.domain}"
        if self.feed:
            return f"FEED#{self.feed}"
        if self.issuer:
            return f"ISSUER#{self.issuer}"
        return "ALL"

    def query(self) -> dict[str, str]:
        """The filters as query-string parameters (for links: stable, in a fixed order)."""
        values = {"domain": self.domain, "feed": self.feed, "issuer": self.issuer,
                  "since": self.since.isoformat() if self.since else None,
                  "until": self.until.isoformat() if self.until else None, "q": self.q}
        return {name: value for name, value in values.items() if value}

    def keeps(self, row: dict[str, Any]) -> bool:
        return (not self.feed or row.get("feed_id") == self.feed) and (
            not self.issuer or row.get("issuer") == self.issuer)


@dataclass(frozen=True, slots=True)
class Found:
    rows: list[dict[str, Any]]
    next_cursor: str | None


def check(filters: Filters, cursor: str | None) -> None:
    """Dates in order, and a cursor only continues the listing it came from: else a 422 naming the field."""
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidInput.field("query", "until", "must not be before since")
    if not cursor:
        return
    try:
        start = decode_cursor(cursor)
    except ValueError as exc:
        raise InvalidInput.field("query", "cursor", "not a cursor this API returned") from exc
    low = filters.since.isoformat() if filters.since else "0000"
    high = (filters.until.isoformat() if filters.until else "9999") + "#~"
    if start["pk"]["S"] != filters.key() or not low <= start["sk"]["S"] <= high:
        raise InvalidInput.field("query", "cursor", "this cursor belongs to another listing")


def _sort_key(row: dict[str, Any]) -> str:
    return str(row.get("sk") or row.get("listed_at") or "")


def find(index: DocumentIndex, filters: Filters, *, limit: int, cursor: str | None = None) -> Found:
    """Up to `limit` documents, newest first, and the cursor of the next page (None on the last)."""
    check(filters, cursor)
    key = filters.key()
    rows: list[dict[str, Any]] = []
    for _ in range(MAX_READS):
        page = index.query(key, since=filters.since.isoformat() if filters.since else None,
                           until=filters.until.isoformat() if filters.until else None, limit=limit,
                           cursor=cursor, text=filters.q)
        rows.extend(row for row in page.items if filters.keeps(row))
        cursor = page.cursor
        if len(rows) >= limit or cursor is None:
            break
    if len(rows) > limit or (len(rows) == limit and cursor is not None):
        rows = rows[:limit]
        cursor = encode_cursor({"pk": {"S": key}, "sk": {"S": _sort_key(rows[-1])}})
    return Found(rows, cursor)
