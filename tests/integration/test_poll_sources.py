"""List sources through the one poll path: baseline, new items, broken layouts, followed issues."""

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from tests.loopback import QuietHandler, serving

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "tests" / "fixtures" / "sources"
GOV_CN = SOURCES / "gov-cn" / "zhengce" / "zuixin" / "home_1.htm"
NOW = datetime(2026, 7, 28, 8, 0, tzinfo=UTC)
NEW_ITEM = ('<li>\n<h4>\n<a href="../content/202607/content_7075216.htm" target="_blank">'
            "国务院关于《扩大消费“十五五”规划》的批复</a>\n<span class=\"date\">2026-07-13</span>\n</h4>\n</li>\n")


class Site:
    """A loopback site whose pages a test changes between polls; every request is logged."""

    def __init__(self):
        self.pages = {}
        self.log = []

    def __enter__(self):
        site = self

        class Handler(QuietHandler):
            def do_GET(self):
                site.log.append(self.path)
                status, body, kind = (*site.pages.get(self.path, (404, b"")), "text/html; charset=utf-8")[:3]
                self.answer(status, kind, body)

        self._serving = serving(Handler)
        self.base = self._serving.__enter__()
        return self

    def __exit__(self, *exc):
        return self._serving.__exit__(*exc)


def _register(aws_stack, tmp_path, entry):
    from gazette_local.demo import register_feeds

    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps([entry], ensure_ascii=False), encoding="utf-8")
    register_feeds(aws_stack, registry, "")


def _gov_cn_entry(site, **extra):
    return {"feed_id": "gov-cn-zuixin", "type": "html_list", "url": f"{site.base}/zhengce/zuixin/home_1.htm",
            "name": "中国政府网 最新政策", "item": ".list ul li",
            "fields": {"title": {"selector": "h4 a"}, "link": {"selector": "h4 a", "attr": "href"},
                       "date": {"selector": "span.date"}},
            "fetch_link": False, **extra}


@pytest.fixture
def poller(aws_stack, monkeypatch):
    monkeypatch.setenv("HOST_MIN_INTERVAL", "0.1")
    from gazette.handlers import poller as module
    from gazette.observability import metrics

    module.dependencies.cache_clear()
    metrics.clear_metrics()
    yield module
    metrics.clear_metrics()


def _make_due(aws_stack, feed_id):
    aws_stack.client("dynamodb").update_item(
        TableName=aws_stack.tables["FeedsTable"], Key={"feed_id": {"S": feed_id}},
        UpdateExpression="SET next_poll_at = :zero", ExpressionAttributeValues={":zero": {"N": "0"}})


def test_list_source_baseline_then_one_new_item_makes_exactly_one_new_document(aws_stack, poller, tmp_path):
    from gazette.adapters.dynamo import DocumentStore, FeedStore
    from gazette_local.runner import Runner

    page = GOV_CN.read_bytes()
    with Site() as site:
        site.pages["/zhengce/zuixin/home_1.htm"] = (200, page.replace(NEW_ITEM.encode(), b""))
        _register(aws_stack, tmp_path, _gov_cn_entry(site))
        runner = Runner(aws_stack)
        runner.run_schedule()
        runner.drain()
        feeds = FeedStore(aws_stack.client("dynamodb"), aws_stack.tables["FeedsTable"])
        baseline = feeds.get("gov-cn-zuixin")
        site.pages["/zhengce/zuixin/home_1.htm"] = (200, page)
        _make_due(aws_stack, "gov-cn-zuixin")
        runner.run_schedule()
        runner.drain()

    documents = DocumentStore(aws_stack.client("dynamodb"), aws_stack.tables["DocumentsTable"]).scan_all()
    assert (baseline["health_status"], baseline["health_reason"], baseline["items_last_poll"]) == (
        "baseline", "first poll: 7 items recorded as the baseline, nobody alerted", 7)
    assert [(d["title"], d["published"], d["domains"], d["url"]) for d in documents] == [
        ("国务院关于《扩大消费“十五五”规划》的批复", "2026-07-13", ["consumption"],
         f"{site.base}/zhengce/content/202607/content_7075216.htm")]
    state = feeds.get("gov-cn-zuixin")
    assert (state["health_status"], state["health_reason"], state["items_last_poll"]) == (
        "ok", "1 new of 8 items", 8)
    assert state["last_new_at"] == state["last_poll_at"]


def _fixture_entry(feed_id, base):
    """The entry of tests/fixtures/sources/registry.yaml, its origin the loopback site's."""
    import yaml

    text = (SOURCES / "registry.yaml").read_text(encoding="utf-8").replace("{base_url}", base)
    return next(entry for entry in yaml.safe_load(text)["feeds"] if entry["feed_id"] == feed_id)


def test_tree_source_baseline_then_one_new_issue_makes_one_document_with_its_number_and_issuer(
        aws_stack, poller, tmp_path):
    from gazette.adapters.dynamo import DocumentStore, FeedStore
    from gazette_local.runner import Runner

    tree = SOURCES / "sz-gov-cn" / "postmeta" / "i"
    with Site() as site:
        for column in ("101619", "2022", "1263", "1303"):
            site.pages[f"/postmeta/i/{column}.json"] = (200, (tree / f"{column}.json").read_bytes(), "application/json")
        # Before its first issue, the year's column lists none.
        site.pages["/postmeta/i/2023.json"] = (200, b'{"children": []}', "application/json")
        _register(aws_stack, tmp_path, _fixture_entry("shenzhen-gazette", site.base))
        runner = Runner(aws_stack)
        runner.run_schedule()
        runner.drain()
        feeds = FeedStore(aws_stack.client("dynamodb"), aws_stack.tables["FeedsTable"])
        baseline = feeds.get("shenzhen-gazette")
        first = list(site.log)
        site.pages["/postmeta/i/2023.json"] = (200, (tree / "2023.json").read_bytes(), "application/json")
        _make_due(aws_stack, "shenzhen-gazette")
        runner.run_schedule()
        runner.drain()

    assert (baseline["health_status"], baseline["health_reason"], baseline["items_last_poll"]) == (
        "baseline", "first poll: 1 items recorded as the baseline, nobody alerted", 1)
    assert first == ["/robots.txt", "/postmeta/i/101619.json", "/postmeta/i/2022.json", "/postmeta/i/2023.json"]
    assert site.log[len(first):] == ["/postmeta/i/101619.json", "/postmeta/i/2022.json", "/postmeta/i/2023.json",
                                     "/postmeta/i/1303.json"]
    documents = DocumentStore(aws_stack.client("dynamodb"), aws_stack.tables["DocumentsTable"]).scan_all()
    assert [(d["title"], d["doc_number"], d["issuer"], d["published"], d["url"], d["extraction"])
            for d in documents] == [
        ("深圳市财政局政府采购供应商信用信息管理办法", "深财规〔2023〕3号", "深圳市财政局", "2023-09-11",
         "https://www.sz.gov.cn/zfgb/2023/gb1303/content/post_10832248.html", "feed:summary")]
    state = feeds.get("shenzhen-gazette")
    assert (state["health_status"], state["health_reason"], state["items_last_poll"]) == (
        "ok", "1 new of 2 items", 2)


def test_list_source_whose_layout_changed_is_broken_with_a_metric_and_backed_off(aws_stack, poller, tmp_path):
    from gazette.observability import metrics
    from gazette.services.poll import PollJob

    page = GOV_CN.read_bytes()
    with Site() as site:
        site.pages["/zhengce/zuixin/home_1.htm"] = (200, page)
        _register(aws_stack, tmp_path, _gov_cn_entry(site))
        deps = poller.dependencies()
        poller.report(poller.poll_one(PollJob("m1", "gov-cn-zuixin"), lambda: 30.0, deps))
        # A redesign: the list's classes are renamed, so ".list ul li" matches nothing any more.
        site.pages["/zhengce/zuixin/home_1.htm"] = (200, page.replace(b'class="list list_1 list_2"',
                                                                      b'class="news_list"'))
        _make_due(aws_stack, "gov-cn-zuixin")
        metrics.clear_metrics()
        poller.report(poller.poll_one(PollJob("m2", "gov-cn-zuixin"), lambda: 30.0, deps))

    state = deps.feeds.get("gov-cn-zuixin")
    reason = "0 items: the page layout may have changed (nothing matches item '.list ul li')"
    assert (state["health_status"], state["health_reason"], state["consecutive_failures"]) == (
        "broken", reason, 1)
    assert {name: metric["Value"] for name, metric in metrics.metric_set.items()} == {
        "FeedsPolled": [1.0], "FeedFailures": [1.0], "SourcesBroken": [1.0]}
    assert state["next_poll_at"] > state["last_checked_at"] + 900


def test_followed_source_baseline_opens_no_issue_then_only_the_new_issue_is_read(aws_stack, poller, tmp_path):
    from gazette.adapters import http
    from gazette.services.politeness import Politeness
    from gazette.services.poll import poll_feed

    gongbao = SOURCES / "gov-cn" / "gongbao"
    issues = json.loads((gongbao / "gbgl.json").read_text(encoding="utf-8"))
    earlier = [{"values": {"y2025": issues[0]["values"]["y2025"]}}]  # before the 2024 issue was listed
    with Site() as site:
        site.pages["/gongbao/gbgl.json"] = (200, json.dumps(earlier).encode(), "application/json")
        site.pages["/gongbao/2024/issue_11726/"] = (200, (gongbao / "2024/issue_11726/index.html").read_bytes())
        _register(aws_stack, tmp_path, {
            "feed_id": "gongbao", "type": "json_list", "url": f"{site.base}/gongbao/gbgl.json",
            "name": "国务院公报", "items": "[0].values.*.*[]",
            "fields": {"title": "join('', ['国务院公报 ', to_string(issue), '期'])", "link": "gname"},
            "follow": {"item": "a", "link_pattern": r"/content_\d+\.html$",
                       "fields": {"title": {}, "link": {"attr": "href"}}},
            "fetch_link": False})
        deps = poller.dependencies()

        def poll(owner, hours):
            return poll_feed("gongbao", owner, feeds=deps.feeds, claims=deps.claims, entries_queue=deps.entries,
                             fetch=partial(http.fetch, allow_loopback=True, timeout=(2.0, 5.0)), lease_seconds=60,
                             now=NOW + timedelta(hours=hours),
                             politeness=Politeness(None, interval=0.1, max_wait=5.0, hold=60.0))

        first = poll("m1", 0)
        site.pages["/gongbao/gbgl.json"] = (200, json.dumps(issues).encode(), "application/json")
        second = poll("m2", 1)
        third = poll("m3", 2)

    assert [(o.status, o.seen_entries, o.new_entries) for o in (first, second, third)] == [
        ("baseline", 2, 0), ("updated", 3, 2), ("unchanged", 3, 0)]
    assert site.log == ["/robots.txt", "/gongbao/gbgl.json",
                        "/gongbao/gbgl.json", "/gongbao/2024/issue_11726/",
                        "/gongbao/gbgl.json"]
    sqs = aws_stack.client("sqs")
    bodies = [json.loads(m["Body"]) for m in sqs.receive_message(
        QueueUrl=aws_stack.queues["EntriesQueue"], MaxNumberOfMessages=10)["Messages"]]
    assert sorted((b["title"], b["link"].removeprefix(site.base)) for b in bodies) == [
        ("国务院关于修改《全国年节及纪念日放假办法》的决定", "/gongbao/2024/issue_11726/202411/content_6989774.html"),
        ("国务院办公厅关于2025年部分节假日安排的通知", "/gongbao/2024/issue_11726/202411/content_6989767.html"),
    ]


def test_unchanged_list_page_without_validators_costs_one_request_and_one_dynamodb_call(aws_stack, poller, tmp_path):
    from gazette.adapters import http
    from gazette.services.politeness import Politeness
    from gazette.services.poll import poll_feed

    with Site() as site:
        site.pages["/zhengce/zuixin/home_1.htm"] = (200, GOV_CN.read_bytes())  # no ETag, no Last-Modified
        _register(aws_stack, tmp_path, _gov_cn_entry(site))
        deps = poller.dependencies()

        def poll(owner, hours):
            return poll_feed("gov-cn-zuixin", owner, feeds=deps.feeds, claims=deps.claims,
                             entries_queue=deps.entries, fetch=partial(http.fetch, allow_loopback=True),
                             lease_seconds=60, now=NOW + timedelta(hours=hours),
                             politeness=Politeness(None, interval=0.1, max_wait=5.0, hold=60.0))

        poll("m1", 0)  # the baseline
        before = len(site.log)
        calls = []
        deps.feeds._client.meta.events.register(
            "before-call.*.*", lambda event_name, **kwargs: calls.append(event_name.split(".", 2)[-1]))

        outcome = poll("m2", 1)

    assert (outcome.status, outcome.http_status, outcome.seen_entries, outcome.requests) == ("unchanged", 200, 8, 1)
    assert site.log[before:] == ["/zhengce/zuixin/home_1.htm"]
    assert calls == ["UpdateItem"]
    state = deps.feeds.get("gov-cn-zuixin")
    assert (state["health_status"], state["health_reason"], state["items_last_poll"]) == (
        "unchanged", "nothing new since the last poll", 8)
