"""Benchmark feeds from real public text: the Wendeng gazette issue and the development set's documents.

Every entry's text is a window of that real text (never invented prose); windows start at different
offsets, so every entry is a different text and so a different document.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cache
from pathlib import Path

from benchmarks.common import ROOT

WINDOW = 320  # characters of text per entry, about what a gazette RSS description carries
SOURCES = ("tests/fixtures/wendeng-2024-02.txt (威海市文登区人民政府公报 2024年第2期) "
           "and the bodies of tests/data/devset.jsonl")


@dataclass(frozen=True, slots=True)
class Entry:
    guid: str
    title: str
    link: str
    text: str
    published: datetime


@cache
def _real_text() -> tuple[str, tuple[str, ...]]:
    wendeng = (ROOT / "tests" / "fixtures" / "wendeng-2024-02.txt").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in (ROOT / "tests" / "data" / "devset.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    text = "\n".join([wendeng, *(row["body"] for row in rows)])
    titles = tuple(row["title"] for row in rows if row.get("title"))
    return text, titles


def entries(count: int) -> list[Entry]:
    text, titles = _real_text()
    stride = max(1, (len(text) - WINDOW) // max(1, count))
    base = datetime(2024, 6, 28, 8, 0, tzinfo=UTC)
    out = []
    for index in range(count):
        start = (index * stride) % (len(text) - WINDOW)
        out.append(Entry(
            guid=f"bench-entry-{index:06d}",
            title=titles[index % len(titles)],
            link=f"https://gazette.example.gov.cn/bench/{index:06d}.html",
            text=text[start:start + WINDOW].strip(),
            published=base - timedelta(minutes=index),
        ))
    return out


def rss(feed_index: int, items: list[Entry]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
        f"<title>基准测试公报 {feed_index}</title><link>https://gazette.example.gov.cn/bench/{feed_index}</link>",
        "<description>benchmark feed</description><language>zh-cn</language>",
    ]
    for item in items:
        parts.append(
            f"<item><title>{html.escape(item.title)}</title><link>{item.link}</link>"
            f'<guid isPermaLink="false">{item.guid}</guid>'
            f"<pubDate>{format_datetime(item.published)}</pubDate>"
            f"<description>{html.escape(item.text)}</description></item>"
        )
    parts.append("</channel></rss>\n")
    return "".join(parts).encode("utf-8")


def write_feeds(root: Path, feeds: int, per_feed: int) -> list[str]:
    """feeds × per_feed entries as RSS files under root; returns their paths relative to root."""
    root.mkdir(parents=True, exist_ok=True)
    all_entries = entries(feeds * per_feed)
    names = []
    for index in range(feeds):
        name = f"feed-{index:04d}.xml"
        (root / name).write_bytes(rss(index, all_entries[index * per_feed:(index + 1) * per_feed]))
        names.append(name)
    return names


def write_empty_feeds(root: Path, feeds: int) -> list[str]:
    """Valid feeds with no items: polled once for their ETag, then they answer 304."""
    root.mkdir(parents=True, exist_ok=True)
    names = []
    for index in range(feeds):
        name = f"empty-{index:04d}.xml"
        (root / name).write_bytes(rss(index, []))
        names.append(name)
    return names
