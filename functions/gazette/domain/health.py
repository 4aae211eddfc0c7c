"""A source's health after a poll, and the rules that decide what is new. Plain Python, no I/O.

Every source, whatever its type, is judged the same way:

- the first successful poll of a new source records a baseline: what it lists now is remembered
  and nobody is alerted about it;
- afterwards an item is new when its identity is not in the source's recent window; items that
  vanish from the page are ignored;
- a list that yields nothing is broken, not quiet;
- a source whose list is the same as last time is unchanged, and costs no writes beyond the poll
  record: the server's validators (ETag, Last-Modified) say so, else the fingerprint of its items.

The names below are a contract: the sources page and the alarms read them from the feeds table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

BASELINE = "baseline"  # first successful poll: items remembered, nobody alerted
OK = "ok"  # polled, something changed (new items or not)
UNCHANGED = "unchanged"  # polled, nothing changed since the last poll
FAILING = "failing"  # the fetch or the parse failed; retried with backoff
BLOCKED = "blocked"  # the site's bot protection or its robots.txt keeps us out
BROKEN = "broken"  # the page was read but its selectors matched nothing
STATUSES = (BASELINE, OK, UNCHANGED, FAILING, BLOCKED, BROKEN)

BASELINE_REASON = "first poll: {count} items recorded as the baseline, nobody alerted"
UNCHANGED_REASON = "nothing new since the last poll"


class Item(Protocol):
    entry_id: str
    title: str
    link: str | None


def fingerprint(items: Iterable[Item]) -> str:
    """A short digest of what a list shows (identities, titles, links, in page order)."""
    digest = hashlib.sha256()
    for item in items:
        digest.update("\x1f".join((item.entry_id, item.title or "", item.link or "")).encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()[:32]


def unseen(items: Sequence[Item], recent: Iterable[str]) -> list[Item]:
    """Items whose identity is not in the recent window, first occurrence only, in page order."""
    seen = set(recent)
    out = []
    for item in items:
        if item.entry_id not in seen:
            seen.add(item.entry_id)
            out.append(item)
    return out


def recent_window(items: Sequence[Item], previous: Sequence[str], limit: int) -> list[str]:
    """The identities to remember: this poll's first, then the older ones, at most `limit`."""
    return list(dict.fromkeys([*(item.entry_id for item in items), *previous]))[:limit]


def ok_reason(new: int, seen: int) -> str:
    return f"{new} new of {seen} items" if new else f"no new items among {seen}"
