"""Sources at a glance: each source's health as the poller recorded it (or as older attributes say),
and a server-rendered SVG chart of documents per domain per week."""

from __future__ import annotations

import re

import pytest

from tests.integration.test_api import _store_documents, page


@pytest.fixture
def api(aws_stack):
    from gazette.api.deps import dependencies
    from gazette.handlers import api as handler

    dependencies.cache_clear()
    yield handler
    dependencies.cache_clear()


def _feeds(aws_stack, items):
    from gazette.adapters.dynamo import FeedStore, n, s

    store = FeedStore(aws_stack.client("dynamodb"), aws_stack.tables["FeedsTable"])
    for feed_id, attributes in items.items():
        store.put_feed({"feed_id": feed_id, "url": f"https://www.example.gov.cn/{feed_id}.xml", "name": feed_id})
        if attributes:
            values = {f":v{i}": (n(v) if isinstance(v, int) else s(v)) for i, v in enumerate(attributes.values())}
            aws_stack.client("dynamodb").update_item(
                TableName=aws_stack.tables["FeedsTable"], Key={"feed_id": s(feed_id)},
                UpdateExpression="SET " + ", ".join(f"#k{i} = :v{i}" for i in range(len(attributes))),
                ExpressionAttributeNames={f"#k{i}": key for i, key in enumerate(attributes)},
                ExpressionAttributeValues=values)


def _rows(body):
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr>\s*<th scope=\"row\"><a href=\"/browse\?feed=.*?</tr>", body, re.S)]


def test_sources_page_shows_each_sources_status_last_poll_items_and_last_new_document(api, aws_stack):
    _feeds(aws_stack, {
        "weihai-gov": {"health_status": "ok", "last_poll_at": "2026-12-02T05:00:00+00:00", "items_last_poll": 20,
                       "last_new_at": "2026-12-01T09:30:00+00:00"},
        "shandong-gov": {"health_status": "blocked", "health_reason": "HTTP 412 anti-bot challenge",
                         "last_poll_at": "2026-12-02T05:05:00+00:00", "items_last_poll": 0,
                         "consecutive_failures": 3},
        "wendeng-gazette": {"last_checked_at": 1764651600, "last_success_at": "2025-12-02T05:00:00+00:00"},
        "guangdong-gov": {"consecutive_failures": 2, "last_error": "timed out"},
    })
    _store_documents(aws_stack, count=2)

    body = page(api, "GET", "/sources", query={"lang": "en"})["body"]

    assert _rows(body) == [
        "guangdong-gov guangdong-gov failing timed out — — — 2",
        "shandong-gov shandong-gov blocked HTTP 412 anti-bot challenge 2026-12-02 05:05 0 — 3",
        "weihai-gov weihai-gov ok 2026-12-02 05:00 20 2026-12-01 09:30 0",
        "wendeng-gazette wendeng-gazette ok 2025-12-02 05:00 — 2024-06-01 00:00 0",
    ]


def test_sources_page_draws_documents_per_domain_per_week_as_an_accessible_svg(api, aws_stack):
    _store_documents(aws_stack, count=5)  # Fri 2024-05-10 .. Tue 05-14; even: disasters, odd: science

    body = page(api, "GET", "/sources", query={"lang": "zh"})["body"]

    assert "<h2 id=\"chart-heading\">各领域每周文件数（2024-02-26 至 2024-05-14）</h2>" in body
    svg = re.search(r"<svg .*?</svg>", body, re.S).group(0)
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in svg and "<script" not in svg
    assert re.findall(r"<rect [^>]*><title>([^<]+)</title>", svg) == [
        "灾害与应急, 2024-05-06: 2", "科技, 2024-05-06: 1", "灾害与应急, 2024-05-13: 1", "科技, 2024-05-13: 1"]
    assert ('<link rel="alternate" type="application/atom+xml" title="Atom 源：灾害与应急" '
            'href="/atom/disasters?lang=zh">') in body
    assert "<tr><th scope=\"row\">2024-05-13</th><td>0</td><td>0</td><td>1</td><td>1</td><td>0</td></tr>" in body
