"""Charset through the real fetch path: a GBK feed with no declaration that a server labels ISO-8859-1."""

from __future__ import annotations

import importlib.util
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gazette.adapters import http
from gazette.domain.feeds import parse_feed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
_spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
make_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixtures)


@pytest.fixture
def latin1_server():
    body = make_fixtures._rss(make_fixtures.CHINESE, None).encode("gbk")
    assert not body.startswith(b"<?xml")  # no declaration: only the (wrong) HTTP charset is said

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=ISO-8859-1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/rss.xml"
    server.shutdown()
    server.server_close()


def test_fetched_gbk_feed_labelled_latin1_gives_exact_titles(latin1_server):
    result = http.fetch(latin1_server, allow_loopback=True, timeout=(1.0, 2.0))

    feed = parse_feed(result.body, result.headers, feed_url=result.url)

    assert result.headers["content-type"] == "application/rss+xml; charset=ISO-8859-1"
    assert [entry.title for entry in feed.entries] == make_fixtures.CHINESE
    assert (feed.encoding, feed.bozo_reason) == (
        "gb18030", "declared HTTP ISO-8859-1 but the bytes read as gb18030; decoded as gb18030"
    )
