"""Polling and ingesting on moto: unchanged feeds cost almost nothing, entries and documents are made once."""

import json
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from gazette_local.servers import feed_server

ROOT = Path(__file__).resolve().parents[2]


class CallCounter:
    def __init__(self, *clients):
        self.calls: list[str] = []
        for client in clients:
            client.meta.events.register("before-call.*.*", self._count)

    def _count(self, event_name, **kwargs):
        self.calls.append(event_name.split(".", 2)[-1])


@pytest.fixture
def feeds_http():
    with feed_server(ROOT / "events" / "feeds") as server:
        yield server


@pytest.fixture
def poller(aws_stack, feeds_http):
    from gazette.handlers import poller as module
    from gazette_local.demo import register_feeds

    register_feeds(aws_stack, ROOT / "events" / "feeds" / "registry.json", feeds_http.base_url)
    return module.dependencies()


def _poll(deps, owner, now):
    from gazette.adapters import http
    from gazette.services.politeness import Politeness
    from gazette.services.poll import poll_feed

    return poll_feed("wendeng-gazette", owner, feeds=deps.feeds, claims=deps.claims, entries_queue=deps.entries,
                     fetch=partial(http.fetch, allow_loopback=True), lease_seconds=60, now=now,
                     politeness=Politeness(None, interval=0.1, max_wait=5.0, hold=60.0))


def _queued(aws_stack, queue="EntriesQueue"):
    sqs = aws_stack.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=aws_stack.queues[queue],
                                          AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_poller_first_poll_of_a_new_source_records_a_baseline_and_enqueues_nothing(aws_stack, poller):
    outcome = _poll(poller, "m1", datetime.now(UTC))

    assert (outcome.status, outcome.seen_entries, outcome.new_entries) == ("baseline", 1, 0)
    assert _queued(aws_stack) == 0
    state = poller.feeds.get("wendeng-gazette")
    assert (state["health_status"], state["health_reason"], state["items_last_poll"]) == (
        "baseline", "first poll: 1 items recorded as the baseline, nobody alerted", 1)
    assert "last_new_at" not in state


def _forget_window(aws_stack, poller):
    """As if the source had been watched before this entry appeared: an empty window, no validators."""
    aws_stack.client("dynamodb").update_item(TableName=poller.feeds.table, Key={"feed_id": {"S": "wendeng-gazette"}},
                                             UpdateExpression="REMOVE etag, last_modified, items_hash")
    poller.feeds.save_recent_ids("wendeng-gazette", [])


def test_poller_entry_not_in_the_window_after_the_baseline_is_enqueued_once(aws_stack, poller):
    now = datetime.now(UTC)
    _poll(poller, "m1", now)
    _forget_window(aws_stack, poller)

    outcome = _poll(poller, "m2", datetime.fromtimestamp(now.timestamp() + 7200, UTC))

    assert (outcome.status, outcome.new_entries) == ("updated", 1)
    assert _queued(aws_stack) == 1
    state = poller.feeds.get("wendeng-gazette")
    assert (state["health_status"], state["health_reason"]) == ("ok", "1 new of 1 items")
    assert state["last_new_at"] == state["last_poll_at"]


def test_poller_second_poll_of_an_unchanged_feed_is_a_304_with_one_dynamodb_call(aws_stack, poller):
    _poll(poller, "m1", datetime.now(UTC))
    counter = CallCounter(poller.feeds._client, poller.entries._client)
    later = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 7200, UTC)

    outcome = _poll(poller, "m2", later)

    assert (outcome.status, outcome.http_status, outcome.new_entries, outcome.requests) == ("unchanged", 304, 0, 1)
    assert counter.calls == ["UpdateItem"]
    state = poller.feeds.get("wendeng-gazette")
    assert (state["health_status"], state["health_reason"]) == ("unchanged", "nothing new since the last poll")
    assert state["last_poll_at"] == later.isoformat()


def test_poller_two_racing_polls_enqueue_each_entry_once(aws_stack, poller):
    now = datetime.now(UTC)
    _poll(poller, "m0", now)
    _forget_window(aws_stack, poller)
    first = _poll(poller, "m1", datetime.fromtimestamp(now.timestamp() + 3600, UTC))
    # The lease blocks a second poller; even with the lease and ETag gone, the claim still decides.
    _forget_window(aws_stack, poller)
    second = _poll(poller, "m2", datetime.fromtimestamp(now.timestamp() + 7200, UTC))

    assert first.new_entries == 1 and second.new_entries == 0
    assert _queued(aws_stack) == 1


def test_poller_retry_of_the_same_message_enqueues_its_claimed_entries_again_for_idempotent_ingest(
        aws_stack, poller):
    claims = poller.claims
    assert claims.claim("f", ["e1", "e2"], "m1", 0) == ["e1", "e2"]
    assert claims.claim("f", ["e1", "e2", "e3"], "m1", 0) == ["e1", "e2", "e3"]
    assert claims.claim("f", ["e1", "e3", "e4"], "m2", 0) == ["e4"]


def test_ingest_same_entry_twice_makes_one_document_item_and_one_object_each(aws_stack, feeds_http):
    from gazette.adapters import http
    from gazette.domain.classify import default_classifier
    from gazette.handlers import ingest as module
    from gazette.messages import EntryMessage
    from gazette.services.ingest import ingest_entry

    deps = module.dependencies()
    entry = EntryMessage(feed_id="wendeng-gazette", entry_id="g:1", title="公报",
                         link=f"{feeds_http.base_url}/documents/wendeng-2024-02.txt")
    fetch = partial(http.fetch, allow_loopback=True)
    run = partial(ingest_entry, entry, fetch=fetch, documents=deps.documents, blobs=deps.blobs,
                  classify=default_classifier().classify)

    first, second = run(), run()

    assert len(first.created) == 7 and second.created == [] and len(second.duplicates) == 7
    items = deps.documents.scan_all()
    assert len(items) == 7
    objects = aws_stack.client("s3").list_objects_v2(Bucket=deps.blobs.bucket)["Contents"]
    assert len(objects) == 7


def test_ingest_same_document_from_another_feed_records_both_sources(aws_stack, feeds_http):
    from gazette.adapters import http
    from gazette.domain.classify import default_classifier
    from gazette.handlers import ingest as module
    from gazette.messages import EntryMessage
    from gazette.services.ingest import ingest_entry

    deps = module.dependencies()
    link = f"{feeds_http.base_url}/documents/wendeng-2024-02.txt"
    for feed in ("feed-a", "feed-b"):
        ingest_entry(EntryMessage(feed_id=feed, entry_id="g:1", title="公报", link=link),
                     fetch=partial(http.fetch, allow_loopback=True), documents=deps.documents,
                     blobs=deps.blobs, classify=default_classifier().classify)

    items = deps.documents.scan_all()
    assert len(items) == 7
    assert all(set(item["sources"]) == {"feed-a/g:1", "feed-b/g:1"} for item in items)
    assert json.loads(items[0]["scores"])  # scores are kept with the document


def test_ingest_batch_with_the_same_issue_from_two_feeds_stores_each_document_once_with_both_sources(
        aws_stack, feeds_http):
    from gazette.handlers import ingest
    from gazette.messages import EntryMessage
    from gazette_local.runner import LambdaContext, _sqs_record

    link = f"{feeds_http.base_url}/documents/wendeng-2024-02.txt"
    records = [
        _sqs_record({"MessageId": f"m{i}", "ReceiptHandle": "r",
                     "Body": EntryMessage(feed_id=feed, entry_id="g:1", title="公报", link=link).model_dump_json()},
                    "arn:aws:sqs:us-east-1:123456789012:entries")
        for i, feed in enumerate(("feed-a", "feed-b"))
    ]

    response = ingest.lambda_handler({"Records": records}, LambdaContext("ingest"))

    assert response["batchItemFailures"] == []
    items = ingest.dependencies().documents.scan_all()
    assert len(items) == 7
    assert all(set(item["sources"]) == {"feed-a/g:1", "feed-b/g:1"} for item in items)


def test_ingest_short_entry_keeps_its_whole_text_in_the_item_and_writes_no_object(aws_stack):
    from gazette.domain.classify import default_classifier
    from gazette.handlers import ingest as module
    from gazette.messages import EntryMessage
    from gazette.services.ingest import ingest_entry

    deps = module.dependencies()
    entry = EntryMessage(feed_id="f", entry_id="g:short", title="关于做好2024年汛期地质灾害防治工作的通知",
                         summary="各区市人民政府：为切实做好汛期地质灾害防治工作，现就有关事项通知如下。",
                         fetch_link=False)

    outcome = ingest_entry(entry, fetch=None, documents=deps.documents, blobs=deps.blobs,
                           classify=default_classifier().classify)

    item = deps.documents.get(outcome.created[0].doc_id)
    assert "text_url" not in item and "汛期地质灾害防治工作" in item["summary"]
    assert aws_stack.client("s3").list_objects_v2(Bucket=deps.blobs.bucket).get("KeyCount", 0) == 0


def test_ingest_issue_whose_layout_is_not_placed_stores_it_whole_with_the_warning(aws_stack, tmp_path):
    from gazette.adapters import http
    from gazette.domain.classify import default_classifier
    from gazette.handlers import ingest as module
    from gazette.messages import EntryMessage
    from gazette.services.ingest import ingest_entry

    # A header printed straight above another (国办函〔1996〕14号 over 国函〔1996〕95号, real texts):
    # no layout the splitter places, so the issue is kept as one document, never cut.
    lines = ["国办函〔1996〕14号", "国务院办公厅", "关于广东与香港、澳门合建自动气象站网有关问题的复函",
             "国函〔1996〕95号", "国务院　中央军委", "关于同意武警总部后勤部机关等迁址新建的批复", "武警总部：",
             "关于武警总部后勤部机关及部分直属单位迁址新建的请示（〔1996〕武司字第82号）收悉，现批复如下：",
             "国务院　中央军委", "一九九六年十一月五日"]
    (tmp_path / "issue.txt").write_text("\n".join(lines), encoding="utf-8")
    deps = module.dependencies()
    with feed_server(tmp_path) as server:
        entry = EntryMessage(feed_id="f", entry_id="g:whole", title="国务院公报", link=f"{server.base_url}/issue.txt")
        outcome = ingest_entry(entry, fetch=partial(http.fetch, allow_loopback=True), documents=deps.documents,
                               blobs=deps.blobs, classify=default_classifier().classify)

    (record,) = outcome.created
    item = deps.documents.get(record.doc_id)
    assert item["split_warning"] == "a header with no text under it"
    assert "".join(record.text.split()) == "".join("".join(lines).split())  # every character, none cut


def test_ingest_the_same_entry_concurrently_makes_one_item_and_one_object_per_document(aws_stack, feeds_http):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from gazette.adapters.blobs import BlobStore
    from gazette.adapters.dynamo import DocumentStore
    from gazette.adapters.http import fetch
    from gazette.domain.classify import default_classifier
    from gazette.messages import EntryMessage
    from gazette.services.ingest import ingest_entry

    entry = EntryMessage(feed_id="f", entry_id="g:1", title="公报",
                         link=f"{feeds_http.base_url}/documents/wendeng-2024-02.txt")

    # moto's in-process backends do not isolate one request from another across threads (two puts of one S3
    # key, two transactions); AWS does. So each request takes its turn, as it would at the service, while
    # the three ingests interleave request by request: what decides the outcome is the conditional write.
    turn = threading.Lock()

    class OneRequestAtATimeBlobs(BlobStore):
        def put_text(self, key, text):
            with turn:
                return super().put_text(key, text)

    class OneRequestAtATimeDocuments(DocumentStore):
        def put_new(self, items):
            with turn:
                return super().put_new(items)

        def add_source(self, doc_id, source):
            with turn:
                return super().add_source(doc_id, source)

    def run(_):
        # Each worker has its own clients, as two Lambda invocations would.
        return ingest_entry(
            entry, fetch=partial(fetch, allow_loopback=True),
            documents=OneRequestAtATimeDocuments(aws_stack.client("dynamodb"), aws_stack.tables["DocumentsTable"]),
            blobs=OneRequestAtATimeBlobs(aws_stack.client("s3"), aws_stack.environment()["DOCUMENTS_BUCKET"]),
            classify=default_classifier().classify)

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(run, range(3)))

    assert sum(len(o.created) for o in outcomes) == 7
    assert len(DocumentStore(aws_stack.client("dynamodb"), aws_stack.tables["DocumentsTable"]).scan_all()) == 7
    objects = aws_stack.client("s3").list_objects_v2(Bucket=aws_stack.environment()["DOCUMENTS_BUCKET"])
    assert objects["KeyCount"] == 7
