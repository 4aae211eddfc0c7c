"""How the poller answers what a feed server does: failures, moves, gaps and republished entries."""

import threading
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gazette.adapters import http
from gazette.adapters.dynamo import FeedStore
from gazette.services.politeness import Politeness
from gazette.services.poll import poll_feed

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _rss(items):
    body = "".join(f"<item><title>{t}</title><guid>{g}</guid><pubDate>{d}</pubDate></item>" for g, t, d in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{body}</channel></rss>'


class Script:
    """The answers the server gives, one per request; the last one repeats. robots.txt is a 404."""

    def __init__(self):
        self.answers = []
        self.requests = []

    def serve(self):
        script = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/robots.txt":
                    self.send_error(404)
                    return
                script.requests.append(self.path)
                status, headers, body = script.answers[min(len(script.requests) - 1, len(script.answers) - 1)]
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value.replace("{port}", str(self.server.server_address[1])))
                data = body.encode("utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


@pytest.fixture
def feed(aws_stack):
    script = Script()
    server = script.serve()
    store = FeedStore(aws_stack.client("dynamodb"), aws_stack.tables["FeedsTable"])
    store.put_feed({"feed_id": "f", "url": f"http://127.0.0.1:{server.server_address[1]}/feed.xml", "name": "F",
                    "min_interval": 900})
    from gazette.handlers import poller

    deps = poller.dependencies()
    calls = {"n": 0}

    def poll(at=None):
        calls["n"] += 1
        return poll_feed("f", f"m{calls['n']}", feeds=deps.feeds, claims=deps.claims, entries_queue=deps.entries,
                         fetch=partial(http.fetch, allow_loopback=True, timeout=(1.0, 2.0)), lease_seconds=60,
                         now=at or NOW + timedelta(hours=calls["n"]),
                         politeness=Politeness(None, interval=0.1, max_wait=5.0, hold=60.0))

    yield script, store, poll, server
    server.shutdown()


def test_poller_server_error_records_the_failure_and_backs_off(feed):
    script, store, poll, _ = feed
    script.answers = [(500, {}, "oops")]

    outcome = poll()

    state = store.get("f")
    assert outcome.status == "failed" and state["consecutive_failures"] == 1
    assert "HTTP 500" in state["last_error"]
    assert state["next_poll_at"] >= int((NOW + timedelta(hours=1)).timestamp()) + 900


def test_poller_429_honours_retry_after(feed):
    script, store, poll, _ = feed
    script.answers = [(429, {"Retry-After": "7200"}, "")]

    poll()

    assert store.get("f")["next_poll_at"] >= int((NOW + timedelta(hours=1)).timestamp()) + 7200


@pytest.mark.parametrize(("status", "retry_after"), [
    (503, "99999999"),
    (429, "Fri, 01 Jan 2100 00:00:00 GMT"),
    (503, "9" * 5000),
])
def test_poller_huge_retry_after_is_honoured_up_to_a_day_and_no_longer(feed, status, retry_after):
    script, store, poll, _ = feed
    script.answers = [(status, {"Retry-After": retry_after}, "")]

    outcome = poll(NOW)

    assert (outcome.status, outcome.http_status) == ("failed", status)
    assert store.get("f")["next_poll_at"] == int(NOW.timestamp()) + 24 * 3600


def test_poller_410_disables_the_feed_and_it_is_no_longer_due(feed):
    script, store, poll, _ = feed
    script.answers = [(410, {}, "")]

    assert poll().status == "gone"
    state = store.get("f")
    assert state["enabled"] is False and "410" in state["disabled_reason"]
    assert store.due_feeds((NOW + timedelta(days=30)).timestamp()) == []


def test_poller_301_moves_the_stored_url(feed):
    script, store, poll, _ = feed
    entry = ("g1", "一", "Mon, 05 Jan 2026 08:00:00 GMT")
    script.answers = [(301, {"Location": "http://127.0.0.1:{port}/moved.xml"}, ""),
                      (200, {"Content-Type": "application/rss+xml"}, _rss([entry]))]

    assert poll().status == "baseline"
    assert store.get("f")["url"].endswith("/moved.xml")


def test_poller_republished_entry_with_a_new_date_is_not_new_again(feed):
    script, _, poll, _ = feed
    entry = ("g1", "关于印发方案的通知", "Mon, 05 Jan 2026 08:00:00 GMT")
    script.answers = [(200, {}, _rss([])), (200, {}, _rss([entry]))]
    assert poll().status == "baseline"
    assert poll().new_entries == 1
    script.answers.append((200, {}, _rss([("g1", "关于印发方案的通知", "Tue, 06 Jan 2026 09:00:00 GMT")])))

    assert poll().new_entries == 0


def test_poller_reordered_feed_yields_only_the_truly_new_entry(feed):
    script, _, poll, _ = feed
    first = [("g1", "一", "Mon, 05 Jan 2026 08:00:00 GMT"), ("g2", "二", "Mon, 05 Jan 2026 09:00:00 GMT")]
    script.answers = [(200, {}, _rss([])), (200, {}, _rss(first)),
                      (200, {}, _rss([first[1], ("g3", "三", "Tue, 06 Jan 2026 08:00:00 GMT"), first[0]]))]

    assert poll().status == "baseline"
    assert poll().new_entries == 2
    assert poll().new_entries == 1


def test_poller_fetch_holding_none_of_the_entries_seen_last_time_records_a_gap(feed):
    script, store, poll, _ = feed
    script.answers = [(200, {}, _rss([("g1", "一", "Mon, 05 Jan 2026 08:00:00 GMT")])),
                      (200, {}, _rss([("g9", "九", "Fri, 09 Jan 2026 08:00:00 GMT")]))]
    poll()

    outcome = poll()

    assert outcome.gap is True and outcome.new_entries == 1
    assert "gap_detected_at" in store.get("f")


def test_poller_unreadable_body_is_a_recorded_failure_not_a_crash(feed):
    script, store, poll, _ = feed
    script.answers = [(200, {"Content-Type": "text/html"}, "<html><body>maintenance</body></html>")]

    outcome = poll()

    assert outcome.status == "failed"
    assert "not a feed" in store.get("f")["last_error"]
    assert store.recent_ids("f") == ()
