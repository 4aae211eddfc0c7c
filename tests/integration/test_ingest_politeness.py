"""Ingest as a guest: an entry's document is fetched through its host's slot, as the poller's lists are.

The documents served are the 国务院公报 document 国办发明电〔2024〕12号 (tests/fixtures/sources/gov-cn/
gongbao/2024/issue_11726/202411/content_6989767.html), the page gov.cn publishes for it.
"""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from gazette.adapters import http
from gazette.adapters.dynamo import HostGate
from gazette.messages import EntryMessage
from gazette.services.ingest import ROBOTS_DISALLOWED, entry_documents
from gazette.services.politeness import Politeness, RobotsCache, polite_fetcher
from tests.integration.test_poll_politeness import Site, _atomic, _rss

DOCUMENT = (Path(__file__).resolve().parents[1] / "fixtures" / "sources"
            / "gov-cn/gongbao/2024/issue_11726/202411/content_6989767.html")
PAGE = (200, {"Content-Type": "text/html; charset=utf-8"}, DOCUMENT.read_text(encoding="utf-8"))
TITLE = "国务院办公厅关于2025年部分节假日安排的通知"
CONTACT = "https://alerts.example.org/about"


def _entry(site: Site, number: int, **changes) -> EntryMessage:
    values = {"feed_id": "gov-cn-gongbao", "entry_id": f"l:{number}", "title": TITLE,
              "link": f"{site.base}/art/{number}.html", "issuer": "国务院办公厅", "language": "zh-Hans",
              "published": datetime(2024, 11, 12, tzinfo=UTC), "fetch_link": True}
    return EntryMessage(**{**values, **changes})


def _records(entries, receives=1):
    from gazette_local.runner import _sqs_record

    return [_sqs_record({"MessageId": f"m{index}", "ReceiptHandle": "r", "Body": entry.model_dump_json(),
                         "Attributes": {"ApproximateReceiveCount": str(receives)}},
                        "arn:aws:sqs:us-east-1:123456789012:entries")
            for index, entry in enumerate(entries)]


@pytest.fixture
def ingest(aws_stack, monkeypatch):
    from gazette.handlers import ingest as module

    monkeypatch.setenv("HOST_MIN_INTERVAL", "0.3")
    monkeypatch.setenv("CONTACT_URL", CONTACT)
    module.dependencies.cache_clear()
    yield module
    module.dependencies.cache_clear()


def _gaps(log):
    """How long each request started after the previous one ended (server clock)."""
    ordered = sorted(log, key=lambda entry: entry[2])
    return [later[2] - earlier[3] for earlier, later in itertools.pairwise(ordered)]


def test_ingest_handler_fetches_documents_on_one_host_one_at_a_time_spaced_by_the_interval(ingest, aws_stack):
    from gazette_local.runner import LambdaContext

    with Site() as site:
        for number in (1, 2, 3):
            site.pages[f"/art/{number}.html"] = PAGE
        response = ingest.lambda_handler({"Records": _records([_entry(site, n) for n in (1, 2, 3)])},
                                         LambdaContext("ingest"))

        assert response["batchItemFailures"] == []
        assert site.paths() == ["/robots.txt", "/art/1.html", "/art/2.html", "/art/3.html"]
        assert [entry[1] for entry in site.log] == [f"GazetteAlerts/0.1 (+{CONTACT})"] * 4
        assert min(_gaps(site.log)) >= 0.3
        host = site.base.removeprefix("http://")
        row = aws_stack.client("dynamodb").get_item(TableName=ingest.dependencies().settings.feeds_table,
                                                    Key={"feed_id": {"S": f"host#{host}"}})["Item"]
        # Taken by each fetch and released after it; the robots.txt read first is kept there for all.
        assert sorted(row) == ["feed_id", "free_at", "kind", "robots_fetched_at", "robots_status", "robots_txt"]
        assert (row["robots_status"], row["robots_txt"]) == ({"N": "404"}, {"S": ""})


def test_ingest_reads_the_robots_txt_the_poller_kept_on_the_host_row_and_does_not_request_it_again(
        ingest, aws_stack):
    from gazette.handlers import poller
    from gazette.services.poll import poll_feed
    from gazette_local.runner import LambdaContext

    robots = (200, {"Content-Type": "text/plain"}, "User-agent: *\nDisallow: /private/\n")
    with Site(robots=robots) as site:
        site.pages["/list.xml"] = (200, {"Content-Type": "application/rss+xml"}, _rss([("1", "一")]))
        site.pages["/art/1.html"] = PAGE
        poller.dependencies.cache_clear()
        deps = poller.dependencies()
        deps.feeds.put_feed({"feed_id": "list", "url": f"{site.base}/list.xml", "name": "list", "min_interval": 900})
        polled = poll_feed("list", "p1", feeds=deps.feeds, claims=deps.claims, entries_queue=deps.entries,
                           fetch=partial(http.fetch, allow_loopback=True, timeout=(2.0, 5.0)), lease_seconds=60,
                           politeness=Politeness(None, interval=0.3, max_wait=5.0, hold=60.0),
                           robots_store=deps.robots)
        response = ingest.lambda_handler({"Records": _records([_entry(site, 1)])}, LambdaContext("ingest"))
        poller.dependencies.cache_clear()

    assert (polled.status, response["batchItemFailures"]) == ("baseline", [])
    assert site.paths() == ["/robots.txt", "/list.xml", "/art/1.html"]


def test_ingest_lambdas_side_by_side_send_one_host_one_request_at_a_time_spaced_by_the_interval(ingest, aws_stack):
    interval = 0.3
    dynamodb = threading.Lock()
    table = ingest.dependencies().settings.feeds_table
    with Site() as site:
        for number in range(6):
            site.pages[f"/art/{number}.html"] = PAGE
        found = []

        def one_lambda(index):
            # A Lambda of its own: its own client, slot locks and robots.txt cache; only the host row in common.
            gate = HostGate(_atomic(aws_stack.client("dynamodb"), dynamodb), table)
            fetch = polite_fetcher(Politeness(gate, interval=interval, max_wait=60.0, hold=60.0),
                                   RobotsCache(ttl=86400), partial(http.fetch, allow_loopback=True), f"m{index}")
            for number in (index * 2, index * 2 + 1):
                found.append(entry_documents(_entry(site, number), fetch)[1])

        threads = [threading.Thread(target=one_lambda, args=(index,)) for index in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert found == ["html:lxml"] * 6
        assert sorted(site.paths()) == ["/art/0.html", "/art/1.html", "/art/2.html", "/art/3.html", "/art/4.html",
                                        "/art/5.html", "/robots.txt", "/robots.txt", "/robots.txt"]
        assert min(_gaps(site.log)) >= interval


def test_ingest_robots_disallowing_the_document_path_requests_nothing_and_stores_the_entry_as_listed(
        ingest, aws_stack):
    from gazette_local.runner import LambdaContext

    with Site(robots=(200, {"Content-Type": "text/plain"}, "User-agent: *\nDisallow: /art/\n")) as site:
        site.pages["/art/1.html"] = PAGE
        response = ingest.lambda_handler({"Records": _records([_entry(site, 1)])}, LambdaContext("ingest"))

        assert response["batchItemFailures"] == []
        assert site.paths() == ["/robots.txt"]
        items = ingest.dependencies().documents.scan_all()
        kept = [{key: item.get(key) for key in ("title", "url", "published", "issuer", "extraction", "sources")}
                for item in items]
        # The user is still alerted, from what the list gave; the reason is kept with the document.
        assert kept == [{"title": TITLE, "url": f"{site.base}/art/1.html", "published": "2024-11-12",
                         "issuer": "国务院办公厅", "extraction": ROBOTS_DISALLOWED,
                         "sources": ["gov-cn-gongbao/l:1"]}]


def test_ingest_host_busy_past_the_wait_budget_puts_the_entry_back_even_on_its_last_receive(
        ingest, aws_stack, monkeypatch):
    from gazette_local.runner import LambdaContext

    monkeypatch.setenv("HOST_MAX_WAIT", "0")
    ingest.dependencies.cache_clear()
    deps = ingest.dependencies()
    with Site() as site:
        site.pages["/art/1.html"] = PAGE
        now = datetime.now(UTC).timestamp()
        assert HostGate(aws_stack.client("dynamodb"), deps.settings.feeds_table).reserve(
            site.base.removeprefix("http://"), "a poller", now, 600.0) is None
        response = ingest.lambda_handler(
            {"Records": _records([_entry(site, 1)], receives=deps.settings.max_receive_count)},
            LambdaContext("ingest"))

        assert response["batchItemFailures"] == [{"itemIdentifier": "m0"}]
        assert site.paths() == []
        assert deps.documents.scan_all() == []
        dlq = aws_stack.client("sqs").receive_message(QueueUrl=aws_stack.queues["EntriesDLQ"],
                                                      MaxNumberOfMessages=10)
        assert dlq.get("Messages", []) == []
