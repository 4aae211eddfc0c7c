"""Polite fetching: per host, one request at a time and a minimum interval, in this process and
across every poller.

Inside one process (threads polling a batch concurrently) a lock per host queues the requests and
the end time of the host's last request spaces them. Across processes (concurrent Lambdas) the
host's row in the feeds table is reserved with a conditional write before the first request of a
poll and released after its last one, with `free_at` set to that request's end plus the interval;
a reservation only succeeds once `free_at` has passed. Only sources that share their host take
the row (see FeedStore.mark_shared_hosts): a lone source's lease already serialises its polls.

`polite_fetcher` gives other functions (ingest reading an entry's document) the same guard: each
request takes the host's slot and its row, and robots.txt is asked first; a disallowed URL raises
RobotsDisallowed without being requested. robots.txt is cached per host for the same time as the
poller's, in the container and on the host's row (`HostRobots`), which the poller reads and writes
too, so a host's robots.txt is requested about once per TTL between all of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from gazette.adapters.dynamo import HostGate, HostRobots
from gazette.adapters.http import FetchError, FetchResult
from gazette.domain.politeness import MAX_ROBOTS_BYTES, RobotsVerdict, host_key, robots_url, robots_verdict

FetchFn = Callable[..., Any]
HELD_RETRY_SECONDS = 0.25  # how often a waiting poller asks again while another one holds the host


class HostBusy(Exception):
    """The host stayed busy for longer than the poller may wait; the poll is put off."""

    def __init__(self, host: str, free_at: float) -> None:
        super().__init__(f"host {host} busy")
        self.host = host
        self.free_at = free_at


@dataclass
class HostSlot:
    """The right to send one host requests, one at a time, spaced by `interval`."""

    host: str
    interval: float
    fetch_fn: FetchFn
    last_end: float
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    requests: int = 0

    def fetch(self, url: str, **kwargs: Any) -> Any:
        # Asked again after each sleep: sleep runs on the monotonic clock, `clock` is wall time, and
        # while the system clock is slewed the two drift apart by up to 0.05%.
        while (wait := self.last_end + self.interval - self.clock()) > 0:
            self.sleep(wait)
        try:
            return self.fetch_fn(url, **kwargs)
        finally:
            self.requests += 1
            self.last_end = self.clock()


@dataclass
class Politeness:
    gate: HostGate | None
    interval: float
    max_wait: float
    hold: float  # how long a reservation lasts if its holder dies without releasing it
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _last_end: dict[str, float] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def _lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    @contextmanager
    def slot(self, host: str, owner: str, fetch_fn: FetchFn, *, shared: bool,
             interval: float | None = None, max_wait: float | None = None) -> Iterator[HostSlot]:
        """Holds `host` for a poll's requests; raises HostBusy when it cannot within max_wait (the
        smaller of the configured wait and the caller's, e.g. what is left of a batch's time)."""
        spacing = max(self.interval, interval or 0.0)
        patience = self.max_wait if max_wait is None else max(0.0, min(self.max_wait, max_wait))
        deadline = self.clock() + patience
        lock = self._lock(host)
        if not lock.acquire(timeout=max(patience, 0.001)):
            raise HostBusy(host, self.clock() + spacing)
        try:
            reserved = False
            if shared and self.gate is not None:
                while True:
                    now = self.clock()
                    busy = self.gate.reserve(host, owner, now, self.hold)
                    if busy is None:
                        reserved = True
                        break
                    free_at, held = busy
                    if now >= deadline or (not held and free_at > deadline):
                        raise HostBusy(host, free_at if not held else now + spacing)
                    # Another poller holds the host (ask again shortly) or its interval runs (wait it out).
                    self.sleep(HELD_RETRY_SECONDS if held else min(max(free_at - now, 0.01), spacing))
            current = HostSlot(host, spacing, fetch_fn, self._last_end.get(host, 0.0), self.clock, self.sleep)
            try:
                yield current
            finally:
                self._last_end[host] = max(self._last_end.get(host, 0.0), current.last_end)
                if reserved:
                    assert self.gate is not None
                    self.gate.release(host, owner, (current.last_end or self.clock()) + current.interval)
        finally:
            lock.release()


class RobotsDisallowed(FetchError):
    """The site's robots.txt disallows the URL for GazetteAlerts: it is not fetched."""


class RobotsUnreadable(FetchError):
    """robots.txt answered 5xx or 429, or not at all: nothing is fetched until it can be read (RFC 9309)."""


@dataclass
class RobotsCache:
    """Each host's robots.txt, kept for `ttl` seconds: in this container, then (with a `store`) on the
    host's row, shared with the poller and every other container; read through the host's slot only
    when neither holds a fresh copy."""

    ttl: float
    clock: Callable[[], float] = time.time
    store: HostRobots | None = None
    _entries: dict[str, tuple[float, int, str]] = field(default_factory=dict)

    def fresh(self, cached: tuple[float, int, str] | None) -> bool:
        return cached is not None and self.clock() - cached[0] < self.ttl

    def verdict(self, url: str, slot: HostSlot) -> RobotsVerdict:
        host = host_key(url)
        cached = self._entries.get(host)
        if not self.fresh(cached) and self.store is not None:
            cached = self.store.get(host)
        if not self.fresh(cached):
            try:
                answer = slot.fetch(robots_url(url), max_bytes=MAX_ROBOTS_BYTES * 8)
            except FetchError as exc:
                raise RobotsUnreadable(f"robots.txt could not be read: {type(exc).__name__}: {exc}") from exc
            if answer.status >= 500 or answer.status == 429:
                raise RobotsUnreadable(f"robots.txt could not be read (HTTP {answer.status})")
            text = answer.body[:MAX_ROBOTS_BYTES].decode("utf-8", "replace") if 200 <= answer.status < 300 else ""
            cached = (self.clock(), answer.status, text)
            if self.store is not None:
                self.store.put(host, *cached)
        assert cached is not None
        self._entries[host] = cached
        return robots_verdict(cached[1], cached[2], url)


def polite_fetcher(politeness: Politeness, robots: RobotsCache, fetch_fn: FetchFn,
                   owner: str) -> Callable[..., FetchResult]:
    """A fetch that sends each request through its host's slot (taking the host's row), and only
    when robots.txt allows the URL; raises HostBusy, RobotsDisallowed or RobotsUnreadable."""

    def fetch(url: str, **kwargs: Any) -> FetchResult:
        with politeness.slot(host_key(url), owner, fetch_fn, shared=True) as slot:
            verdict = robots.verdict(url, slot)
            if not verdict.allowed:
                raise RobotsDisallowed(f"robots.txt disallows {url} for GazetteAlerts: not fetched")
            if verdict.crawl_delay:
                slot.interval = max(slot.interval, verdict.crawl_delay)
            result: FetchResult = slot.fetch(url, **kwargs)
            return result

    return fetch
