"""`python -m benchmarks.sources [--quick]`: the CPU a list source costs the poller, beside a feed.

Each source type reads the same items (the benchmark corpus's real titles and dates) laid out as
its real sources lay them out: an RSS feed (the feed path, the baseline), a plain HTML list (www.gov.cn
`home_{n}.htm`), a Hanweb JCMS column whose records sit in CDATA (定西市), and a JSON list (www.gov.cn
`ZUIXINZHENGCE.json`); each is read with its entry of tests/fixtures/sources/registry.yaml. What is
timed is the poller's own work on a fetched body, with no network and no AWS:

- an unchanged poll (a 200 from a server without validators): the list read (`list_items`) and its
  fingerprint, found equal to the last one;
- a changed poll: the same, then the items not in the recent window (one new at the top) and the
  message for each new item;
- per extracted item: the list read alone, divided by the items on the page.

Types are timed in turn within each round (so drift between hours hits them alike), and each is
stated as a ratio to the feed path measured in the same rounds.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import ROOT, median
from benchmarks.corpus import Entry, entries, rss

SOURCES_DIR = ROOT / "tests" / "fixtures" / "sources"
FEEDS = {  # the type's name in the report -> its entry in tests/fixtures/sources/registry.yaml
    "feed (RSS)": None,
    "html_list (plain list)": "gov-cn-zhengce-zuixin-html",
    "html_list (Hanweb CDATA)": "dingxi-zwgk",
    "json_list": "gov-cn-zhengce-zuixin",
}
BASE = "http://127.0.0.1:8765"
FULL = {"items": 50, "pages": 20, "runs": 5}
QUICK = {"items": 10, "pages": 2, "runs": 1}


def _day(item: Entry) -> str:
    return item.published.strftime("%Y-%m-%d")


def plain_page(items: list[Entry]) -> bytes:
    """www.gov.cn's paged list (tests/fixtures/sources/gov-cn/zhengce/zuixin/home_1.htm) holding ``items``."""
    rows = "".join(
        f'<li>\n<h4>\n<a href="../content/{item.published:%Y%m}/content_{item.guid[-6:]}.htm" target="_blank">'
        f'{html.escape(item.title)}</a>\n<span class="date">{_day(item)}</span>\n</h4>\n</li>\n' for item in items)
    return ('<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>最新政策_政策_中国政府网</title>\n'
            '<meta name="lanmu" content="最新政策">\n</head>\n<body>\n<div class="news_box">\n'
            f'<div class="list list_1 list_2">\n<ul>\n{rows}</ul>\n</div>\n</div>\n</body>\n</html>\n').encode()


def hanweb_page(items: list[Entry]) -> bytes:
    """A Hanweb JCMS column (tests/fixtures/sources/hanweb-dingxi/col/col12377/index.html) holding ``items``."""
    records = "".join(
        '        <record><![CDATA[\n        <li class="clearfix">    <a target="_blank" '
        f'href="/art/{item.published.year}/{item.published.month}/{item.published.day}/art_12377_{item.guid[-6:]}.html"'
        f' title="{html.escape(item.title)}">{html.escape(item.title)}</a>    <b>{_day(item)}</b></li>]]></record>\n'
        for item in items)
    return ('<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>定西市政府信息公开平台</title>\n</head>\n'
            '<body>\n<div id="38486"><script type="text/xml"><datastore>\n        <recordset>\n'
            f'{records}        </recordset>\n</datastore></script></div>\n</body>\n</html>\n').encode()


def json_page(items: list[Entry]) -> bytes:
    """www.gov.cn's ZUIXINZHENGCE.json (tests/fixtures/sources/gov-cn/zhengce/zuixin/) holding ``items``."""
    return json.dumps([{"TITLE": item.title, "SUB_TITLE": "", "URL": item.link, "DOCRELPUBTIME": _day(item)}
                       for item in items], ensure_ascii=False).encode()


PAGES: dict[str, tuple[Callable[[list[Entry]], bytes], str, str]] = {  # builder, content type, path
    "feed (RSS)": (lambda items: rss(0, items), "application/rss+xml; charset=utf-8", "/feed.xml"),
    "html_list (plain list)": (plain_page, "text/html; charset=utf-8", "/zhengce/zuixin/home_1.htm"),
    "html_list (Hanweb CDATA)": (hanweb_page, "text/html; charset=utf-8", "/col/col12377/index.html"),
    "json_list": (json_page, "application/json", "/zhengce/zuixin/ZUIXINZHENGCE.json"),
}


def _specs() -> dict[str, Any]:
    from gazette.domain.registry import SourceSpec, load_registry

    registry = {feed.feed_id: feed for feed in load_registry(SOURCES_DIR / "registry.yaml", base_url=BASE)}
    return {name: registry[feed_id].source_spec() if feed_id else SourceSpec() for name, feed_id in FEEDS.items()}


def run(items: int, pages: int, runs: int) -> dict[str, Any]:
    from gazette.adapters.http import FetchResult
    from gazette.domain import health
    from gazette.messages import EntryMessage
    from gazette.services.sources import follow_items, list_items

    specs = _specs()
    corpus = entries(pages * (items + 1))

    def no_fetch(url: str) -> FetchResult:
        raise AssertionError(f"a list without follow fetched {url}")

    def result(name: str, page_items: list[Entry]) -> FetchResult:
        build, kind, path = PAGES[name]
        return FetchResult(url=BASE + path, status=200, headers={"content-type": kind}, body=build(page_items))

    # Per page: the list as last polled (items), and as polled now with one new item on top.
    groups = [corpus[i * (items + 1):(i + 1) * (items + 1)] for i in range(pages)]
    polls: dict[str, list[tuple[FetchResult, FetchResult, str, list[str]]]] = {}
    for name, spec in specs.items():
        polls[name] = []
        for group in groups:
            before, now = result(name, group[1:]), result(name, group)
            _, listed = list_items(spec, before, no_fetch, feed_key=before.url)
            polls[name].append((before, now, health.fingerprint(listed.entries), [e.entry_id for e in listed.entries]))

    def read_only(name: str) -> None:
        for before, _, _, _ in polls[name]:
            list_items(specs[name], before, no_fetch, feed_key=before.url)

    def unchanged(name: str) -> None:
        for before, _, digest, _ in polls[name]:
            _, listed = list_items(specs[name], before, no_fetch, feed_key=before.url)
            assert health.fingerprint(listed.entries) == digest

    def changed(name: str) -> None:
        for _, now, digest, recent in polls[name]:
            level, listed = list_items(specs[name], now, no_fetch, feed_key=now.url)
            assert health.fingerprint(listed.entries) != digest
            found = follow_items(level, listed.entries, no_fetch, recent, feed_key=now.url)
            new = health.unseen(found.entries, recent)
            assert len(new) == 1
            for entry in new:
                EntryMessage(feed_id="bench", entry_id=entry.entry_id, title=entry.title, link=entry.link,
                             summary=(entry.content or entry.summary)[:4000], published=entry.published,
                             doc_number=entry.doc_number, issuer=entry.issuer or "bench").model_dump_json()

    samples: dict[str, dict[str, list[float]]] = {name: {"read": [], "unchanged": [], "changed": []} for name in specs}
    for _ in range(runs):
        for name in specs:
            for kind, fn in (("read", read_only), ("unchanged", unchanged), ("changed", changed)):
                start = time.process_time()
                fn(name)
                samples[name][kind].append(time.process_time() - start)

    out: dict[str, Any] = {"items_per_page": items, "pages": pages, "runs": runs, "baseline": "feed (RSS)",
                           "types": {}}
    for name in specs:
        out["types"][name] = {
            "page_bytes": median([float(len(before.body)) for before, _, _, _ in polls[name]]),
            "unchanged_per_poll": median(samples[name]["unchanged"]) / pages,
            "changed_per_poll": median(samples[name]["changed"]) / pages,
            "per_item": median(samples[name]["read"]) / (pages * items),
        }
    return out


def section(data: dict[str, Any]) -> list[str]:
    """The report's section: each type's costs, and its ratio to the feed path's in the same run."""
    from benchmarks.report import ms, table

    base = data["types"][data["baseline"]]
    parts = ["\n## List sources beside the feed path\n",
             f"CPU of the poller's own work on a fetched page of {data['items_per_page']} items (no network, no AWS): "
             "an unchanged poll (a 200 without validators: the list read and its fingerprint, equal to the last), a "
             "changed poll (one new item on top: also the items not in the recent window and the new item's "
             "message), and the list read alone per item. Every type reads the same real titles and dates, laid "
             "out as its real source lays them out and read with its registry entry; medians of "
             f"{data['runs']} rounds over {data['pages']} pages, the types timed in turn within each round. "
             "Ratios are to the feed path (RSS, feedparser) in the same rounds.\n"]
    def cell(info: dict[str, float], key: str, shown: str) -> str:
        return f"{shown} ({info[key] / base[key]:.2f}x)"

    rows = []
    for name, info in data["types"].items():
        rows.append([name, f"{info['page_bytes'] / 1000:.1f} kB",
                     cell(info, "unchanged_per_poll", ms(info["unchanged_per_poll"])),
                     cell(info, "changed_per_poll", ms(info["changed_per_poll"])),
                     cell(info, "per_item", f"{info['per_item'] * 1e6:.0f} µs")])
    parts.append(table(["source type", "page", "unchanged poll (ratio to feed)", "changed poll (ratio to feed)",
                        "per extracted item (ratio to feed)"], rows))
    return parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sources")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    args = parser.parse_args(argv)
    data = run(**(QUICK if args.quick else FULL))
    print("\n".join(section(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
