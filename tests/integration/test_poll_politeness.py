"""The poller as a guest: robots.txt, bot walls, one request at a time per host, unchanged lists for free."""

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gazette.adapters import http
from gazette.adapters.dynamo import HostGate
from gazette.services.politeness import Politeness
from gazette.services.poll import poll_feed

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CHALLENGE = ("<html><head><script>var _0x=['cookie'];document.cookie='__jsl_clearance=1;path=/';"
             "location.href=location.pathname+location.search</script></head></html>")


def _rss(items):
    body = "".join(f"<item><title>{t}</title><link>http://example.org/art/{g}.html</link></item>" for g, t in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{body}</channel></rss>'


class Site:
    """One host: a robots.txt, pages by path (status, headers, body), and a log of every request."""

    def __init__(self, robots=(404, {}, "")):
        self.robots = robots
        self.pages = {}
        self.log = []  # [path, user agent, started, ended], server clock, in arrival order
        self.lock = threading.Lock()
        self.hold = None  # an Event: pages other than robots.txt are answered once it is set (at most 30 s)
        self.on_request = None  # called with each request logged

    def __enter__(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                entry = [self.path, self.headers.get("User-Agent"), time.time(), None]
                with site.lock:
                    site.log.append(entry)
                    if site.on_request is not None:
                        site.on_request()
                if site.hold is not None and self.path != "/robots.txt":
                    site.hold.wait(30)
                status, headers, body = site.robots if self.path == "/robots.txt" else (
                    site.pages.get(self.path, (404, {}, "")))
                data = body.encode("utf-8")
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                # Before anything leaves (end_headers flushes the head, the whole answer when the body
                # is empty): the client cannot have its answer earlier than this.
                entry[3] = time.time()
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()

            def log_message(self, *args):
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def paths(self):
        return [entry[0] for entry in self.log]


class CallCounter:
    def __init__(self, *clients):
        self.calls = []
        for client in clients:
            client.meta.events.register("before-call.*.*", self._count)

    def _count(self, event_name, **kwargs):
        self.calls.append(event_name.split(".", 2)[-1])


@pytest.fixture
def deps(aws_stack):
    from gazette.handlers import poller

    return poller.dependencies()


def _poll(deps, feed_id, owner, at, politeness=None, fetch=None, robots_store=None):
    return poll_feed(feed_id, owner, feeds=deps.feeds, claims=deps.claims, entries_queue=deps.entries,
                     fetch=fetch or partial(http.fetch, allow_loopback=True, timeout=(2.0, 5.0)), lease_seconds=60,
                     now=at, politeness=politeness or Politeness(None, interval=0.1, max_wait=5.0, hold=60.0),
                     robots_store=robots_store)


def _register(deps, feed_id, url):
    deps.feeds.put_feed({"feed_id": feed_id, "url": url, "name": feed_id, "min_interval": 900})


def test_poller_412_javascript_challenge_is_reported_blocked_and_backed_off_for_an_hour(deps):
    with Site() as site:
        site.pages["/list.xml"] = (412, {"Content-Type": "text/html"}, CHALLENGE)
        _register(deps, "walled", f"{site.base}/list.xml")

        outcome = _poll(deps, "walled", "m1", NOW)

        reason = "blocked by the site's bot protection (HTTP 412, a JavaScript cookie challenge)"
        assert (outcome.status, outcome.http_status, outcome.error) == ("blocked", 412, reason)
        state = deps.feeds.get("walled")
        assert (state["health_status"], state["health_reason"], state["consecutive_failures"]) == (
            "blocked", reason, 1)
        assert state["next_poll_at"] >= int(NOW.timestamp()) + 3600
        assert deps.feeds.due_feeds((NOW + timedelta(minutes=59)).timestamp()) == []
        assert site.paths() == ["/robots.txt", "/list.xml"]


def test_poller_405_from_a_firewall_is_reported_blocked(deps):
    with Site() as site:
        site.pages["/list.xml"] = (405, {}, "")
        _register(deps, "waf", f"{site.base}/list.xml")

        outcome = _poll(deps, "waf", "m1", NOW)

        assert (outcome.status, deps.feeds.get("waf")["health_reason"]) == (
            "blocked", "blocked by the site's bot protection (HTTP 405 to a GET, a web application firewall)")


def test_poller_robots_disallow_does_not_fetch_the_source_and_health_says_why(deps):
    with Site(robots=(200, {"Content-Type": "text/plain"},
                      "User-agent: *\nDisallow: /zhengce/\n\nUser-agent: Googlebot\nAllow: /\n")) as site:
        site.pages["/zhengce/list.xml"] = (200, {}, _rss([("1", "一")]))
        _register(deps, "private", f"{site.base}/zhengce/list.xml")

        outcome = _poll(deps, "private", "m1", NOW)

        reason = "robots.txt disallows this URL for GazetteAlerts: not fetched"
        assert (outcome.status, outcome.error) == ("blocked", reason)
        state = deps.feeds.get("private")
        assert (state["health_status"], state["health_reason"]) == ("blocked", reason)
        assert site.paths() == ["/robots.txt"]
        assert state["next_poll_at"] >= int(NOW.timestamp()) + 86400


def test_poller_robots_is_read_once_then_cached(deps):
    with Site(robots=(200, {}, "User-agent: *\nDisallow: /private/\n")) as site:
        site.pages["/list.xml"] = (200, {}, _rss([("1", "一")]))
        _register(deps, "open", f"{site.base}/list.xml")

        _poll(deps, "open", "m1", NOW)
        _poll(deps, "open", "m2", NOW + timedelta(hours=1))

        assert site.paths() == ["/robots.txt", "/list.xml", "/list.xml"]


def test_poller_sources_on_one_host_share_its_robots_txt_through_the_host_row(deps):
    with Site(robots=(200, {}, "User-agent: *\nDisallow: /private/\n")) as site:
        for name in ("first", "second"):
            site.pages[f"/{name}.xml"] = (200, {}, _rss([("1", "一")]))
            _register(deps, name, f"{site.base}/{name}.xml")

        _poll(deps, "first", "m1", NOW, robots_store=deps.robots)
        _poll(deps, "second", "m2", NOW + timedelta(hours=1), robots_store=deps.robots)

        assert site.paths() == ["/robots.txt", "/first.xml", "/second.xml"]
        assert deps.feeds.get("second")["robots_txt"] == "User-agent: *\nDisallow: /private/\n"


def test_poller_sends_a_user_agent_naming_the_product_and_the_contact(deps):
    with Site() as site:
        site.pages["/list.xml"] = (200, {}, _rss([("1", "一")]))
        _register(deps, "ua", f"{site.base}/list.xml")
        agent = deps.settings.user_agent

        _poll(deps, "ua", "m1", NOW, fetch=partial(http.fetch, allow_loopback=True, user_agent=agent))

        assert agent == "GazetteAlerts/0.1 (+http://127.0.0.1:8000)"
        assert [entry[1] for entry in site.log] == [agent, agent]


def test_poller_baseline_then_one_new_item_enqueues_exactly_that_item(deps, aws_stack):
    with Site() as site:
        site.pages["/list.xml"] = (200, {}, _rss([("2", "二"), ("1", "一")]))
        _register(deps, "list", f"{site.base}/list.xml")
        baseline = _poll(deps, "list", "m1", NOW)
        site.pages["/list.xml"] = (200, {}, _rss([("3", "三"), ("2", "二")]))  # "1" vanished, "3" is new

        outcome = _poll(deps, "list", "m2", NOW + timedelta(hours=1))

        assert (baseline.status, baseline.seen_entries, baseline.new_entries) == ("baseline", 2, 0)
        assert (outcome.status, outcome.seen_entries, outcome.new_entries) == ("updated", 2, 1)
        sqs = aws_stack.client("sqs")
        messages = sqs.receive_message(QueueUrl=aws_stack.queues["EntriesQueue"], MaxNumberOfMessages=10)["Messages"]
        assert [(m["Body"].count("http://example.org/art/3.html"), "三" in m["Body"]) for m in messages] == [(1, True)]
        state = deps.feeds.get("list")
        assert (state["health_status"], state["health_reason"], state["items_last_poll"], state["last_new_at"]) == (
            "ok", "1 new of 2 items", 2, (NOW + timedelta(hours=1)).isoformat())


def test_poller_unchanged_list_without_validators_costs_one_request_and_one_dynamodb_call(deps):
    with Site() as site:
        site.pages["/list.xml"] = (200, {}, _rss([("2", "二"), ("1", "一")]))  # no ETag, no Last-Modified
        _register(deps, "plain", f"{site.base}/list.xml")
        _poll(deps, "plain", "m1", NOW)
        before = len(site.log)
        counter = CallCounter(deps.feeds._client, deps.entries._client)

        outcome = _poll(deps, "plain", "m2", NOW + timedelta(hours=1))

        assert (outcome.status, outcome.http_status, outcome.requests) == ("unchanged", 200, 1)
        assert site.paths()[before:] == ["/list.xml"]
        assert counter.calls == ["UpdateItem"]
        state = deps.feeds.get("plain")
        assert (state["health_status"], state["items_last_poll"]) == ("unchanged", 2)


def _atomic(client, lock):
    """Each request applied whole before the next, as DynamoDB applies a conditional write.

    moto's in-process backend checks a condition and writes without a lock: with moto 5.2.5, two
    threads racing on `attribute_not_exists` both succeeded in one trial of five. DynamoDB itself
    never lets two writers pass one condition, which is what the host gate relies on.
    """
    def take(**kwargs):
        lock.acquire()  # returns None: a value returned here would stand in for the response

    client.meta.events.register("before-call.dynamodb.*", take)
    client.meta.events.register("after-call.dynamodb.*", lambda **kwargs: lock.release())
    return client


def test_poller_ten_sources_on_one_host_send_it_one_request_at_a_time_spaced_by_the_interval(deps, aws_stack):
    interval = 0.3
    dynamodb = threading.Lock()
    _atomic(deps.feeds._client, dynamodb)
    with Site() as site:
        for index in range(10):
            site.pages[f"/col/col{index}/index.xml"] = (200, {}, _rss([(f"{index}-1", "一")]))
            _register(deps, f"src-{index}", f"{site.base}/col/col{index}/index.xml")
        assert deps.feeds.mark_shared_hosts() == {site.base.removeprefix("http://"): 10}
        outcomes = []

        def one_lambda(index):
            # A Lambda of its own: its own client and politeness state, only the host row in common.
            gate = HostGate(_atomic(aws_stack.client("dynamodb"), dynamodb), deps.feeds.table)
            polite = Politeness(gate, interval=interval, max_wait=60.0, hold=60.0)
            outcomes.append(_poll(deps, f"src-{index}", f"m{index}", NOW, politeness=polite).status)

        threads = [threading.Thread(target=one_lambda, args=(index,)) for index in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert outcomes == ["baseline"] * 10
        log = sorted(site.log, key=lambda entry: entry[2])
        assert len(log) == 20  # each source: its robots.txt, then its list
        # Each request starts at least the interval after the previous one ended: one at a time, spaced.
        gaps = [later[2] - earlier[3] for earlier, later in itertools.pairwise(log)]
        assert min(gaps) >= interval, [(e[0], round(e[2] - log[0][2], 3), round(e[3] - log[0][2], 3)) for e in log]
