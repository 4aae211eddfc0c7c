"""Polling one feed: lease, conditional GET, parse, claim new entries, enqueue them, record health.

An unchanged feed costs one HTTP request (a 304) and the one DynamoDB call that takes the lease and
returns the feed's state. New entries are claimed with conditional writes before they are enqueued,
so two racing polls or a retried message enqueue each entry once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gazette.adapters.dynamo import EntryClaims, FeedStore
from gazette.adapters.http import FetchError, FetchResult, parse_retry_after
from gazette.adapters.messaging import OutgoingMessage, Queue
from gazette.domain.feeds import FeedParseError, parse_feed
from gazette.domain.urlguard import UnsafeURLError
from gazette.messages import EntryMessage

MAX_BACKOFF_SECONDS = 24 * 3600
SUMMARY_LIMIT = 4000


@dataclass
class PollOutcome:
    feed_id: str
    status: str  # skipped | unchanged | updated | failed | gone
    http_status: int | None = None
    new_entries: int = 0
    seen_entries: int = 0
    gap: bool = False
    bozo_reason: str | None = None
    error: str | None = None
    metrics: dict[str, int] = field(default_factory=dict)


def backoff_seconds(failures: int, interval: int, rng: Callable[[], float] = random.random) -> int:
    """Exponential per feed with full jitter on the upper half, capped at a day."""
    base = min(MAX_BACKOFF_SECONDS, interval * (2 ** min(failures, 16)))
    return int(base / 2 + rng() * base / 2)


def poll_feed(
    feed_id: str,
    owner: str,
    *,
    feeds: FeedStore,
    claims: EntryClaims,
    entries_queue: Queue,
    fetch: Callable[..., FetchResult],
    lease_seconds: int,
    now: datetime | None = None,
) -> PollOutcome:
    moment = now or datetime.now(UTC)
    epoch = moment.timestamp()
    state = feeds.acquire(feed_id, owner, epoch, lease_seconds)
    if state is None:
        return PollOutcome(feed_id, "skipped")

    def fail(reason: str, http_status: int | None = None, retry_after: float | None = None) -> PollOutcome:
        failures = state.consecutive_failures + 1
        wait = retry_after if retry_after is not None else backoff_seconds(failures, state.min_interval)
        feeds.release(feed_id, owner, {
            "consecutive_failures": failures,
            "last_error": reason[:500],
            "last_error_at": moment.isoformat(),
            "next_poll_at": int(epoch + max(wait, state.min_interval)),
        })
        return PollOutcome(feed_id, "failed", http_status=http_status, error=reason)

    try:
        result = fetch(state.url, etag=state.etag, last_modified=state.last_modified)
    except UnsafeURLError as exc:
        return fail(f"refused URL: {exc}")
    except FetchError as exc:
        return fail(f"{type(exc).__name__}: {exc}")

    if result.status == 304:
        if state.consecutive_failures:
            feeds.release(feed_id, owner, {"consecutive_failures": 0, "last_success_at": moment.isoformat()})
        return PollOutcome(feed_id, "unchanged", http_status=304)
    if result.status == 410:
        feeds.release(feed_id, owner, {"enabled": False, "disabled_reason": "the feed is gone (HTTP 410)",
                                       "last_error_at": moment.isoformat()}, ["poll_group"])
        return PollOutcome(feed_id, "gone", http_status=410)
    if result.status in (429, 503):
        retry_after = parse_retry_after(result.headers.get("retry-after"), moment)
        return fail(f"HTTP {result.status}", result.status, retry_after)
    if not 200 <= result.status < 300:
        return fail(f"HTTP {result.status}", result.status)

    try:
        parsed = parse_feed(result.body, result.headers, feed_url=result.url)
    except FeedParseError as exc:
        return fail(f"not a feed: {exc}", result.status)

    previous = feeds.recent_ids(feed_id)
    recent = set(previous)
    current_ids = [entry.entry_id for entry in parsed.entries]
    unseen = [entry for entry in parsed.entries if entry.entry_id not in recent]
    gap = bool(recent) and bool(parsed.entries) and not recent.intersection(current_ids)

    # Deduplicate inside the feed too: a feed that lists an entry twice still yields it once.
    by_id = {entry.entry_id: entry for entry in unseen}
    claimed = claims.claim(feed_id, list(by_id), owner, epoch) if by_id else []
    messages = [
        OutgoingMessage(
            id=entry_id,
            body=_entry_message(by_id[entry_id], state.feed_id, state.issuer, state.language,
                                state.fetch_link).model_dump_json(),
        )
        for entry_id in claimed
    ]
    entries_queue.send_all(messages)

    feeds.save_recent_ids(feed_id, list(dict.fromkeys([*current_ids, *previous]))[: FeedStore.RECENT_LIMIT])
    changes: dict[str, Any] = {
        "consecutive_failures": 0,
        "last_success_at": moment.isoformat(),
        "entries_seen": len(parsed.entries),
    }
    remove: list[str] = []
    for header, attribute in (("etag", "etag"), ("last-modified", "last_modified")):
        if result.headers.get(header):
            changes[attribute] = result.headers[header]
        else:
            remove.append(attribute)
    if result.permanent_redirect_url:
        changes["url"] = result.permanent_redirect_url
    if parsed.bozo_reason:
        changes["bozo_reason"] = parsed.bozo_reason[:500]
    else:
        remove.append("bozo_reason")
    if gap:
        changes["gap_detected_at"] = moment.isoformat()
    feeds.release(feed_id, owner, changes, remove)
    return PollOutcome(
        feed_id, "updated", http_status=result.status, new_entries=len(claimed),
        seen_entries=len(parsed.entries), gap=gap, bozo_reason=parsed.bozo_reason,
    )


def _entry_message(entry: Any, feed_id: str, issuer: str | None, language: str, fetch_link: bool) -> EntryMessage:
    summary = entry.content or entry.summary or ""
    return EntryMessage(
        feed_id=feed_id,
        entry_id=entry.entry_id,
        title=entry.title or "",
        link=entry.link,
        summary=summary[:SUMMARY_LIMIT],
        published=entry.published,
        issuer=issuer,
        language=language,
        fetch_link=fetch_link and bool(entry.link),
    )
