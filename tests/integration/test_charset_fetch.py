"""Charset through the real fetch path: a GBK feed with no declaration that a server labels ISO-8859-1."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from gazette.adapters import http
from gazette.domain.feeds import parse_feed
from tests.loopback import QuietHandler, serving

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
_spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
make_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixtures)


@pytest.fixture
def latin1_server():
    body = make_fixtures._rss(make_fixtures.CHINESE, None).encode("gbk")
    assert not body.startswith(b"<?xml")  # no declaration: only the (wrong) HTTP charset is said

    class Handler(QuietHandler):
        def do_GET(self):
            self.answer(200, "application/rss+xml; charset=ISO-8859-1", body)

    with serving(Handler) as base:
        yield f"{base}/rss.xml"


def test_fetched_gbk_feed_labelled_latin1_gives_exact_titles(latin1_server):
    result = http.fetch(latin1_server, allow_loopback=True, timeout=(1.0, 2.0))

    feed = parse_feed(result.body, result.headers, feed_url=result.url)

    assert result.headers["content-type"] == "application/rss+xml; charset=ISO-8859-1"
    assert [entry.title for entry in feed.entries] == make_fixtures.CHINESE
    assert (feed.encoding, feed.bozo_reason) == (
        "gb18030", "declared HTTP ISO-8859-1 but the bytes read as gb18030; decoded as gb18030"
    )
