"""Polling one source (a feed, an HTML list or a JSON list): one path for every type.

Lease, robots.txt, the host's politeness slot, conditional GET, extraction, newness, claims,
enqueueing and health are the same for every source; only the step that turns the fetched body
into items depends on the source's type (`extract_items`).

An unchanged source costs one HTTP request (a 304, or a 200 whose items have the fingerprint seen
last time) and the one DynamoDB call that takes the lease, returns the source's state and records
the poll. New entries are claimed with conditional writes before they are enqueued, so two racing
polls or a retried message enqueue each entry once. The first successful poll of a new source is
its baseline: what it lists is remembered and nobody is alerted. A source that shares its host with
others also takes and gives back the host's row (two writes), see services.politeness.

`poll_batch` polls a batch of sources at once, each on a thread of its own (the work is waiting on
remote servers): one lease and one outcome per source, a source that raises fails alone, and every
request and every wait for a host ends before the batch's deadline, so one slow server cannot hold
the others. Sources on one host still take turns (services.politeness): concurrency is across hosts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gazette.adapters.dynamo import EntryClaims, FeedState, FeedStore, HostRobots
from gazette.adapters.http import TOTAL_TIMEOUT, FetchError, FetchResult, Timeout, parse_retry_after
from gazette.adapters.messaging import OutgoingMessage, Queue
from gazette.domain import health
from gazette.domain.feeds import FeedEntry, FeedParseError, ParsedFeed
from gazette.domain.politeness import MAX_ROBOTS_BYTES, bot_protection, host_key, robots_url, robots_verdict
from gazette.domain.registry import SourceSpec
from gazette.domain.sources import SourceLayoutError
from gazette.domain.urlguard import UnsafeURLError
from gazette.messages import EntryMessage
from gazette.services.politeness import HostBusy, HostSlot, Politeness, RobotsDisallowed
from gazette.services.sources import FollowError, follow_items, list_items

MAX_BACKOFF_SECONDS = 24 * 3600
BLOCKED_BACKOFF_SECONDS = 3600  # a bot wall does not lift in minutes: never retry it sooner than this
SUMMARY_LIMIT = 4000
ROBOTS_TTL_SECONDS = 86400
FEED_SPEC = SourceSpec()


@dataclass
class PollOutcome:
    feed_id: str
    # skipped | deferred | unchanged | baseline | updated | failed | blocked | broken | gone
    status: str
    http_status: int | None = None
    new_entries: int = 0
    seen_entries: int = 0
    gap: bool = False
    bozo_reason: str | None = None
    error: str | None = None
    requests: int = 0
    metrics: dict[str, int] = field(default_factory=dict)


def backoff_seconds(failures: int, interval: int, rng: Callable[[], float] = random.random) -> int:
    """Exponential per feed with full jitter on the upper half, capped at a day."""
    base = min(MAX_BACKOFF_SECONDS, interval * (2 ** min(failures, 16)))
    return int(base / 2 + rng() * base / 2)


def source_spec(state: FeedState) -> SourceSpec:
    """How to read the source: its stored spec, or a plain feed's."""
    return SourceSpec.model_validate_json(state.source_spec) if state.source_spec else FEED_SPEC


def default_politeness(lease_seconds: int) -> Politeness:
    return Politeness(gate=None, interval=2.0, max_wait=60.0, hold=float(lease_seconds))


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
    politeness: Politeness | None = None,
    robots_ttl: int = ROBOTS_TTL_SECONDS,
    robots_store: HostRobots | None = None,
    time_left: Callable[[], float] | None = None,
) -> PollOutcome:
    """Polls one source; with `time_left` (seconds), no request or wait for the host outlasts it."""
    moment = now or datetime.now(UTC)
    epoch = moment.timestamp()
    state = feeds.acquire(feed_id, owner, epoch, lease_seconds)
    if state is None:
        return PollOutcome(feed_id, "skipped")
    polite = politeness or default_politeness(lease_seconds)
    poll = _Poll(state, owner, moment, feeds, claims, entries_queue, robots_ttl, robots_store)
    if time_left is not None:
        fetch = _within(fetch, time_left)
    try:
        with polite.slot(host_key(state.url), owner, fetch, shared=state.host_shared,
                         max_wait=time_left() if time_left is not None else None) as slot:
            outcome = poll.run(slot)
            outcome.requests = slot.requests
            return outcome
    except HostBusy as busy:
        # Not the source's fault: try again once the host is free, health untouched.
        feeds.release(feed_id, owner, {"next_poll_at": int(max(busy.free_at, epoch + 1))})
        return PollOutcome(feed_id, "deferred", error=f"host {busy.host} busy")


def _within(fetch: Callable[..., FetchResult], time_left: Callable[[], float]) -> Callable[..., FetchResult]:
    """A fetch whose whole request (redirects included) ends within the time left."""

    def bounded(url: str, **kwargs: Any) -> FetchResult:
        left = time_left()
        if left <= 0:
            raise Timeout("no time left in this batch: not fetched")
        kwargs["total_timeout"] = min(left, kwargs.get("total_timeout", TOTAL_TIMEOUT))
        return fetch(url, **kwargs)

    return bounded


@dataclass(frozen=True, slots=True)
class PollJob:
    owner: str  # the SQS message id: the lease's owner, and the item a partial batch failure names
    feed_id: str


class Unfinished(Exception):
    """The poll had not ended when the batch had to answer; its message is retried."""


def poll_batch(
    jobs: Sequence[PollJob],
    poll: Callable[[PollJob, Callable[[], float]], PollOutcome],
    *,
    workers: int,
    seconds: float,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, PollOutcome | Exception]:
    """Runs `poll(job, time_left)` for every job at once, up to `workers` at a time; by owner, each
    job's outcome or the exception it raised.

    Of the `seconds` the batch has, the polls' requests and waits get all but a margin (a tenth, at
    least one second, at most ten) to end in; half the margin later the batch answers, and a poll
    still running by then is reported Unfinished (its message is retried; its lease expires).
    """
    start = clock()
    margin = min(10.0, max(1.0, seconds / 10))
    polls_end = start + seconds - margin
    answer_at = start + seconds - margin / 2

    def time_left() -> float:
        return polls_end - clock()

    results: dict[str, PollOutcome | Exception] = {}
    if not jobs:
        return results
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs))), thread_name_prefix="poll")
    try:
        futures: dict[Future[PollOutcome], PollJob] = {pool.submit(poll, job, time_left): job for job in jobs}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=max(0.0, answer_at - clock()), return_when=FIRST_EXCEPTION)
            for future in done:
                error = future.exception()
                results[futures[future].owner] = future.result() if error is None else error  # type: ignore[assignment]
            if pending and clock() >= answer_at:
                break
        for future in pending:
            results[futures[future].owner] = Unfinished(f"not finished within {seconds - margin / 2:.1f} s")
    finally:
        # Never waits for a poll still running: the batch answers now.
        pool.shutdown(wait=False, cancel_futures=True)
    return results


class _Poll:
    def __init__(self, state: FeedState, owner: str, moment: datetime, feeds: FeedStore, claims: EntryClaims,
                 entries_queue: Queue, robots_ttl: int, robots_store: HostRobots | None = None) -> None:
        self.state = state
        self.owner = owner
        self.moment = moment
        self.epoch = moment.timestamp()
        self.feeds = feeds
        self.claims = claims
        self.entries_queue = entries_queue
        self.robots_ttl = robots_ttl
        self.robots_store = robots_store  # the host's robots.txt shared with other sources and ingest
        self.changes: dict[str, Any] = {}  # robots.txt cache, written with the outcome
        self.robots: tuple[int | None, str] = (None, "")

    # ------------------------------------------------------------------ outcomes
    def _release(self, changes: dict[str, Any], remove: list[str] | None = None) -> None:
        self.feeds.release(self.state.feed_id, self.owner, {**self.changes, **changes}, remove or [])

    def _health(self, status: str, reason: str, *, then: str | None = None) -> dict[str, Any]:
        """Health fields; `then` is the status the next poll shows if it finds nothing new."""
        after = then or status
        return {"health_status": status, "health_reason": reason[:500], "health_next": after,
                "health_next_reason": (health.UNCHANGED_REASON if after == health.UNCHANGED else reason)[:500]}

    def fail(self, reason: str, http_status: int | None = None, *, status: str = "failed",
             wait: float | None = None) -> PollOutcome:
        state = self.state
        failures = state.consecutive_failures + 1
        delay = wait if wait is not None else backoff_seconds(failures, state.min_interval)
        if status == "blocked":
            delay = max(delay, BLOCKED_BACKOFF_SECONDS)
        kind = {"failed": health.FAILING, "blocked": health.BLOCKED, "broken": health.BROKEN}[status]
        self._release({
            "consecutive_failures": failures,
            "last_error": reason[:500],
            "last_error_at": self.moment.isoformat(),
            "next_poll_at": int(self.epoch + max(delay, state.min_interval)),
            **self._health(kind, reason),
        })
        return PollOutcome(state.feed_id, status, http_status=http_status, error=reason)

    # ------------------------------------------------------------------ steps
    def robots_allow(self, slot: HostSlot) -> PollOutcome | None:
        """Reads robots.txt (cached for robots_ttl: in the source's item, then on its host's row, which
        other sources on the host and ingest share) and stops the poll if it disallows the source."""
        state = self.state
        text, status = state.robots_txt or "", state.robots_status
        fresh = state.robots_fetched_at is not None and self.epoch - state.robots_fetched_at < self.robots_ttl
        if not fresh and self.robots_store is not None:
            shared = self.robots_store.get(host_key(state.url))
            if shared is not None and self.epoch - shared[0] < self.robots_ttl:
                fresh, (fetched_at, status, text) = True, shared
                self.changes.update({"robots_txt": text, "robots_status": status,
                                     "robots_fetched_at": int(fetched_at)})
        if not fresh:
            try:
                answer = slot.fetch(robots_url(state.url), max_bytes=MAX_ROBOTS_BYTES * 8)
            except UnsafeURLError as exc:
                return self.fail(f"refused URL: {exc}")
            except FetchError as exc:
                return self.fail(f"robots.txt could not be read: {type(exc).__name__}: {exc}")
            if answer.status >= 500 or answer.status in (429,):
                return self.fail(f"robots.txt could not be read (HTTP {answer.status})", answer.status)
            status = answer.status
            text = answer.body[:MAX_ROBOTS_BYTES].decode("utf-8", "replace") if 200 <= status < 300 else ""
            self.changes.update({"robots_txt": text, "robots_status": status, "robots_fetched_at": int(self.epoch)})
            if self.robots_store is not None:
                self.robots_store.put(host_key(state.url), self.epoch, status, text)
        self.robots = (status, text)
        verdict = robots_verdict(status, text, state.url)
        if not verdict.allowed:
            reason = "robots.txt disallows this URL for GazetteAlerts: not fetched"
            return self.fail(reason, status="blocked", wait=max(self.robots_ttl, state.min_interval))
        if verdict.crawl_delay:
            slot.interval = max(slot.interval, verdict.crawl_delay)
        return None

    def run(self, slot: HostSlot) -> PollOutcome:
        state = self.state
        stopped = self.robots_allow(slot)
        if stopped is not None:
            return stopped
        try:
            result = slot.fetch(state.url, etag=state.etag, last_modified=state.last_modified)
        except UnsafeURLError as exc:
            return self.fail(f"refused URL: {exc}")
        except FetchError as exc:
            return self.fail(f"{type(exc).__name__}: {exc}")

        wall = bot_protection(result.status, result.headers, result.body)
        if wall:
            return self.fail(wall, result.status, status="blocked")
        if result.status == 304:
            if state.consecutive_failures or self.changes or state.health_status != health.UNCHANGED:
                self._release({"consecutive_failures": 0, "last_success_at": self.moment.isoformat(),
                               **self._health(health.UNCHANGED, health.UNCHANGED_REASON)})
            return PollOutcome(state.feed_id, "unchanged", http_status=304)
        if result.status == 410:
            self._release({"enabled": False, "disabled_reason": "the feed is gone (HTTP 410)",
                           "last_error_at": self.moment.isoformat(),
                           **self._health(health.FAILING, "the source is gone (HTTP 410): disabled")},
                          ["poll_group"])
            return PollOutcome(state.feed_id, "gone", http_status=410)
        if result.status in (429, 503):
            retry_after = parse_retry_after(result.headers.get("retry-after"), self.moment)
            return self.fail(f"HTTP {result.status}", result.status, wait=retry_after)
        if not 200 <= result.status < 300:
            return self.fail(f"HTTP {result.status}", result.status)

        spec = source_spec(state)
        try:
            # The source's list: its page's items, or for a tree of lists its branches' items.
            level, parsed = list_items(spec, result, self.follow(slot), feed_key=result.url)
        except SourceLayoutError as exc:
            return self.fail(str(exc), result.status, status="broken")
        except FeedParseError as exc:
            return self.fail(str(exc) if spec.type != "feed" else f"not a feed: {exc}", result.status)
        except (FetchError, UnsafeURLError, FollowError) as exc:
            return self.fail(f"a branch page could not be read: {type(exc).__name__}: {exc}", result.status)
        return self.record(level, parsed, result, slot)

    def follow(self, slot: HostSlot) -> Callable[[str], FetchResult]:
        """Fetches a followed page through the host's slot, if robots.txt allows it."""
        status, text = self.robots

        def fetch(url: str) -> FetchResult:
            if not robots_verdict(status, text, url).allowed:
                raise RobotsDisallowed(f"robots.txt disallows {url} for GazetteAlerts: not fetched")
            return slot.fetch(url)

        return fetch

    def record(self, spec: SourceSpec, parsed: ParsedFeed, result: FetchResult, slot: HostSlot) -> PollOutcome:
        state = self.state
        listed = parsed.entries  # what the page lists: for a followed source, its issues
        digest = health.fingerprint(listed)
        changes: dict[str, Any] = {
            "consecutive_failures": 0,
            "last_success_at": self.moment.isoformat(),
            "entries_seen": len(listed),
            "items_last_poll": len(listed),
            "items_hash": digest,
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

        same_validators = (changes.get("etag") == state.etag and changes.get("last_modified") == state.last_modified)
        if state.last_success_at and digest == state.items_hash:
            # The same items as last time (a server without validators, or one that changed them
            # for nothing): no window to read or write, no claims; the poll record only if needed.
            if (state.consecutive_failures or self.changes or not same_validators or result.permanent_redirect_url
                    or state.health_status != health.UNCHANGED):
                self._release({**changes, **self._health(health.UNCHANGED, health.UNCHANGED_REASON)}, remove)
            return PollOutcome(state.feed_id, "unchanged", http_status=result.status, seen_entries=len(listed))

        previous = self.feeds.recent_ids(state.feed_id)
        if not state.last_success_at:
            # A new source: what it lists now is its past. Remember it (a followed source: its
            # issues, so their documents are never read), alert nobody.
            self.feeds.save_recent_ids(state.feed_id, health.recent_window(listed, previous, FeedStore.RECENT_LIMIT))
            reason = health.BASELINE_REASON.format(count=len(listed))
            self._release({**changes, **self._health(health.BASELINE, reason, then=health.UNCHANGED)}, remove)
            return PollOutcome(state.feed_id, "baseline", http_status=result.status, seen_entries=len(listed),
                               bozo_reason=parsed.bozo_reason)

        entries: list[FeedEntry] = listed
        remember: list[str] = [entry.entry_id for entry in listed]
        fetch_link = state.fetch_link
        if spec.follow is not None:
            # Only the issues not seen before are opened; their documents are the items.
            try:
                found = follow_items(spec, listed, self.follow(slot), previous, feed_key=result.url,
                                     encoding=parsed.encoding, bozo_reason=parsed.bozo_reason)
            except SourceLayoutError as exc:
                return self.fail(f"a followed page: {exc}", result.status, status="broken")
            except (FetchError, UnsafeURLError, FollowError, FeedParseError) as exc:
                return self.fail(f"a followed page could not be read: {type(exc).__name__}: {exc}", result.status)
            entries = found.entries
            # An issue whose page failed is not remembered, and the list's fingerprint is not kept,
            # so the next poll tries that issue again.
            remember = [*(entry.entry_id for entry in entries), *found.list_ids]
            fetch_link = fetch_link or found.detail
            if found.problems:
                changes.pop("items_hash")
                remove.append("items_hash")
        elif spec.detail:
            fetch_link = True

        recent = set(previous)
        gap = bool(recent) and bool(listed) and not recent.intersection(e.entry_id for e in listed)
        window = list(dict.fromkeys([*remember, *previous]))[: FeedStore.RECENT_LIMIT]
        by_id = {entry.entry_id: entry for entry in health.unseen(entries, recent)}
        claimed = self.claims.claim(state.feed_id, list(by_id), self.owner, self.epoch) if by_id else []
        messages = [
            OutgoingMessage(
                id=entry_id,
                body=_entry_message(by_id[entry_id], state.feed_id, state.issuer, state.language,
                                    fetch_link).model_dump_json(),
            )
            for entry_id in claimed
        ]
        self.entries_queue.send_all(messages)
        self.feeds.save_recent_ids(state.feed_id, window)
        if claimed:
            changes["last_new_at"] = self.moment.isoformat()
        if gap:
            changes["gap_detected_at"] = self.moment.isoformat()
        self._release({**changes, **self._health(health.OK, health.ok_reason(len(claimed), len(listed)),
                                                 then=health.UNCHANGED)}, remove)
        return PollOutcome(
            state.feed_id, "updated", http_status=result.status, new_entries=len(claimed),
            seen_entries=len(listed), gap=gap, bozo_reason=parsed.bozo_reason,
        )


def _entry_message(entry: FeedEntry, feed_id: str, issuer: str | None, language: str, fetch_link: bool) -> EntryMessage:
    summary = entry.content or entry.summary or ""
    return EntryMessage(
        feed_id=feed_id,
        entry_id=entry.entry_id,
        title=entry.title or "",
        link=entry.link,
        summary=summary[:SUMMARY_LIMIT],
        published=entry.published,
        doc_number=entry.doc_number,
        issuer=entry.issuer or issuer,
        language=language,
        fetch_link=fetch_link and bool(entry.link),
    )
