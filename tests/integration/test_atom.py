"""Atom feeds out: per domain and per browse filter, valid RFC 4287, with ETag and conditional GET.

Each feed is checked two ways: read back by feedparser (what a feed reader sees), and validated
against RFC 4287's own RELAX NG schema (tests/fixtures/atom/rfc4287.rnc, see SOURCE.md there),
converted with rnc2rng and applied by lxml.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from gazette_local.runner import LambdaContext
from tests.integration.test_api import _store_documents, call, page

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "atom" / "rfc4287.rnc"
BASE = "http://127.0.0.1:8000"


@cache
def atom_schema() -> etree.RelaxNG:
    import rnc2rng

    grammar = rnc2rng.dumps(rnc2rng.loads(SCHEMA.read_text(encoding="utf-8")))
    # The schema declares `namespace local = ""`, which XML 1.0 namespaces cannot write as a prefix
    # binding; nothing refers to it in the converted grammar but the declaration itself.
    grammar = grammar.replace('\n         xmlns:local=""', "").replace(' xmlns:local=""', "")
    return etree.RelaxNG(etree.fromstring(grammar.encode("utf-8")))


def assert_valid_atom(body: bytes) -> None:
    schema = atom_schema()
    document = etree.fromstring(body)
    assert schema.validate(document), str(schema.error_log)


@pytest.fixture
def api(aws_stack):
    from gazette.api.deps import dependencies
    from gazette.handlers import api as handler

    dependencies.cache_clear()
    yield handler
    dependencies.cache_clear()


def feed(api, path, **kwargs):
    response = call(api, "GET", path, headers={"accept": "application/atom+xml", **kwargs.pop("headers", {})},
                    **kwargs)
    return response


def test_rfc4287_schema_refuses_a_feed_without_its_required_updated_element():
    broken = (b'<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:x</id><title>t</title>'
              b"<author><name>a</name></author></feed>")

    assert not atom_schema().validate(etree.fromstring(broken))


def test_domain_feed_is_valid_atom_and_reads_back_through_feedparser(api, aws_stack):
    ids = _store_documents(aws_stack)

    response = feed(api, "/atom/disasters", query={"lang": "zh"})

    body = response["body"].encode("utf-8")
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert_valid_atom(body)
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert parsed.feed.title == "政府公报提醒 · 灾害与应急"
    assert parsed.feed.id == f"{BASE}/atom/disasters?lang=zh"
    assert [link.href for link in parsed.feed.links] == [f"{BASE}/atom/disasters?lang=zh",
                                                         f"{BASE}/browse?domain=disasters&lang=zh"]
    assert [(e.id, e.title, e.link, e.author) for e in parsed.entries] == [
        (f"{BASE}/documents/{ids[i]}", f"关于印发第{i}号应急预案的通知", f"{BASE}/documents/{ids[i]}",
         "威海市人民政府办公室") for i in (4, 2, 0)]
    assert [(t.term, t.label) for t in parsed.entries[0].tags] == [("disasters", "灾害与应急")]
    assert parsed.entries[0].published == "2024-05-14T00:00:00Z"
    assert parsed.entries[0].updated == "2024-06-01T00:00:00Z"
    assert parsed.entries[0].summary == "摘要"


def test_filtered_feed_follows_the_browse_filters(api, aws_stack):
    ids = _store_documents(aws_stack)

    response = feed(api, "/atom", query={"issuer": "威海市人民政府办公室", "q": "第3号", "lang": "en"})

    body = response["body"].encode("utf-8")
    assert_valid_atom(body)
    parsed = feedparser.parse(body)
    assert parsed.feed.title == "Gazette alerts · 威海市人民政府办公室 · 第3号"
    assert [e.id for e in parsed.entries] == [f"{BASE}/documents/{ids[3]}"]
    assert [(t.term, t.label) for t in parsed.entries[0].tags] == [("science", "Science and technology policy")]


def test_an_empty_feed_is_still_valid_atom(api, aws_stack):
    response = feed(api, "/atom/bidding")

    assert_valid_atom(response["body"].encode("utf-8"))
    assert feedparser.parse(response["body"].encode("utf-8")).entries == []


def test_feed_answers_304_to_its_own_etag_and_200_with_a_new_etag_once_the_listing_changed(api, aws_stack):
    _store_documents(aws_stack, count=2)
    first = feed(api, "/atom/disasters")

    again = feed(api, "/atom/disasters", headers={"if-none-match": first["headers"]["ETag"]})
    listed = feed(api, "/atom/disasters", headers={"if-none-match": f'"other", W/{first["headers"]["ETag"]}'})
    _store_documents(aws_stack, count=3)
    changed = feed(api, "/atom/disasters", headers={"if-none-match": first["headers"]["ETag"]})

    assert first["statusCode"] == 200 and first["headers"]["ETag"].startswith('"')
    assert (again["statusCode"], again["body"], again["headers"]["ETag"]) == (304, "", first["headers"]["ETag"])
    assert listed["statusCode"] == 304
    assert changed["statusCode"] == 200 and changed["headers"]["ETag"] != first["headers"]["ETag"]


def test_feed_of_an_unknown_domain_or_a_bad_date_answers_422_naming_the_field(api, aws_stack):
    unknown = call(api, "GET", "/atom/weather")
    dated = call(api, "GET", "/atom", query={"since": "2024-02-30"})

    assert unknown["statusCode"] == 422 and unknown["json"]["detail"][0]["field"] == "path.domain"
    assert dated["statusCode"] == 422 and dated["json"]["detail"][0]["field"] == "query.since"


def test_browse_and_document_pages_link_their_atom_feeds_as_alternates(api, aws_stack):
    ids = _store_documents(aws_stack)

    browse = page(api, "GET", "/browse", query={"domain": "disasters", "lang": "zh"})["body"]
    searched = page(api, "GET", "/browse", query={"q": "预案", "since": "2024-05-11", "lang": "en"})["body"]
    document = page(api, "GET", f"/documents/{ids[1]}", query={"lang": "en"})["body"]

    assert ('<link rel="alternate" type="application/atom+xml" title="用 Atom 阅读器订阅此列表" '
            'href="/atom/disasters?lang=zh">') in browse
    assert ('<link rel="alternate" type="application/atom+xml" title="Follow this list in a feed reader (Atom)" '
            'href="/atom?since=2024-05-11&amp;q=%E9%A2%84%E6%A1%88&amp;lang=en">') in searched
    assert ('<link rel="alternate" type="application/atom+xml" title="Atom feed: Science and technology policy" '
            'href="/atom/science?lang=en">') in document


def test_the_publisher_puts_the_documents_page_in_the_event_webhooks_and_mails_receive(aws_stack):
    from gazette.handlers import publisher

    record = {"eventName": "INSERT", "dynamodb": {"SequenceNumber": "1", "NewImage": {
        "doc_id": {"S": "doc_" + "b" * 32}, "title": {"S": "关于印发威海市气象灾害应急预案的通知"},
        "feed_id": {"S": "weihai"}, "url": {"S": "https://www.weihai.gov.cn/art/1.html"},
        "domains": {"L": [{"S": "disasters"}]}}}}

    assert publisher.lambda_handler({"Records": [record]}, LambdaContext("publisher")) == {"batchItemFailures": []}

    sqs = aws_stack.client("sqs")
    [message] = sqs.receive_message(QueueUrl=aws_stack.queues["WebhookEventsQueue"],
                                    MaxNumberOfMessages=10)["Messages"]
    body = json.loads(message["Body"])
    event = json.loads(body["Message"]) if "Message" in body else body
    assert (event["document"]["url"], event["document"]["page_url"]) == (
        "https://www.weihai.gov.cn/art/1.html", f"{BASE}/documents/doc_{'b' * 32}")

