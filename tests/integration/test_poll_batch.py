"""A poller invocation polls its batch's feeds at the same time: one lease and one outcome per feed,
a failing feed retried alone, a slow server unable to hold the batch, hosts still taken in turn."""

import itertools
import json
import threading
from dataclasses import dataclass

import pytest

from gazette.services.poll import PollJob, PollOutcome, Unfinished, poll_batch
from gazette_local.runner import LambdaContext
from tests.integration.test_poll_politeness import Site, _atomic, _rss


@dataclass
class Context(LambdaContext):
    remaining_ms: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def _event(*jobs):
    return {"Records": [
        {"messageId": message_id, "receiptHandle": "r", "eventSource": "aws:sqs", "attributes": {},
         "messageAttributes": {}, "md5OfBody": "", "awsRegion": "us-east-1",
         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:feed-jobs",
         "body": json.dumps({"feed_id": feed_id, "scheduled_at": "2026-07-28T00:05:00Z"})}
        for message_id, feed_id in jobs
    ]}


class Writes:
    """Every DynamoDB UpdateItem the poller's client sends: (row, what it does, owner)."""

    def __init__(self, client):
        self.calls = []
        self.lock = threading.Lock()
        client.meta.events.register("before-parameter-build.dynamodb.UpdateItem", self._record)

    def _record(self, params, **kwargs):
        expression = params["UpdateExpression"]
        kind = ("lease" if expression.startswith("SET lease_until") else
                "robots.txt kept" if params["Key"]["feed_id"]["S"].startswith("host#") else "outcome")
        owner = params["ExpressionAttributeValues"].get(":owner", {}).get("S")
        with self.lock:
            self.calls.append((params["Key"]["feed_id"]["S"], kind, owner))


@pytest.fixture
def poller(aws_stack, monkeypatch):
    from gazette.handlers import poller as module

    monkeypatch.setenv("HOST_MIN_INTERVAL", "0.3")
    module.dependencies.cache_clear()
    deps = module.dependencies()
    _atomic(deps.feeds._client, threading.Lock())  # as DynamoDB applies conditional writes: one at a time
    return module


def _register(deps, feed_id, url):
    deps.feeds.put_feed({"feed_id": feed_id, "url": url, "name": feed_id, "min_interval": 900})


def test_poller_batch_takes_one_lease_and_records_one_outcome_per_feed(poller):
    deps = poller.dependencies()
    with Site() as one, Site() as two, Site() as three:
        for index, site in enumerate((one, two, three)):
            site.pages["/feed.xml"] = (200, {}, _rss([(f"{index}-1", "一")]))
            _register(deps, f"feed-{index}", f"{site.base}/feed.xml")
        writes = Writes(deps.feeds._client)

        event = _event(("m0", "feed-0"), ("m1", "feed-1"), ("m2", "feed-2"))

        response = poller.lambda_handler(event, Context("poller"))

        assert response == {"batchItemFailures": []}
        assert sorted(writes.calls) == sorted([
            ("feed-0", "lease", "m0"), ("feed-0", "outcome", "m0"),
            ("feed-1", "lease", "m1"), ("feed-1", "outcome", "m1"),
            ("feed-2", "lease", "m2"), ("feed-2", "outcome", "m2"),
            *((f"host#{site.base.removeprefix('http://')}", "robots.txt kept", None) for site in (one, two, three)),
        ])
        for site in (one, two, three):
            assert site.paths() == ["/robots.txt", "/feed.xml"]
    for index in range(3):
        state = deps.feeds.get(f"feed-{index}")
        assert (state["health_status"], state["health_reason"], "lease_owner" in state) == (
            "baseline", "first poll: 1 items recorded as the baseline, nobody alerted", False)


def _queued_bodies(aws_stack):
    sqs = aws_stack.client("sqs")
    messages = sqs.receive_message(QueueUrl=aws_stack.queues["EntriesQueue"], MaxNumberOfMessages=10)
    return [(json.loads(m["Body"])["link"], json.loads(m["Body"])["title"]) for m in messages.get("Messages", [])]


def test_poller_batch_feed_that_fails_is_named_alone_and_its_retry_enqueues_its_entry_once(poller, aws_stack):
    deps = poller.dependencies()
    sqs = aws_stack.client("sqs")
    with Site() as changing, Site() as fresh:
        changing.pages["/feed.xml"] = (200, {}, _rss([("1", "一")]))
        _register(deps, "changing", f"{changing.base}/feed.xml")
        assert poller.lambda_handler(_event(("m0", "changing")), Context("poller")) == {"batchItemFailures": []}
        changing.pages["/feed.xml"] = (200, {}, _rss([("2", "二"), ("1", "一")]))
        aws_stack.client("dynamodb").update_item(
            TableName=deps.feeds.table, Key={"feed_id": {"S": "changing"}}, UpdateExpression="SET next_poll_at = :z",
            ExpressionAttributeValues={":z": {"N": "0"}})
        fresh.pages["/feed.xml"] = (200, {}, _rss([("9", "九")]))
        _register(deps, "fresh", f"{fresh.base}/feed.xml")
        # The entries queue is gone: the feed with a new entry cannot hand it on; the baseline needs no queue.
        sqs.delete_queue(QueueUrl=aws_stack.queues["EntriesQueue"])

        failed = poller.lambda_handler(_event(("m1", "changing"), ("m2", "fresh")), Context("poller"))

        assert failed == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
        assert deps.feeds.get("fresh")["health_status"] == "baseline"
        sqs.create_queue(QueueName=aws_stack.queues["EntriesQueue"].rsplit("/", 1)[-1])

        retried = poller.lambda_handler(_event(("m1", "changing")), Context("poller"))

    assert retried == {"batchItemFailures": []}
    assert _queued_bodies(aws_stack) == [("http://example.org/art/2.html", "二")]
    state = deps.feeds.get("changing")
    assert (state["health_status"], state["health_reason"]) == ("ok", "1 new of 2 items")


def test_poller_batch_slow_feed_does_not_hold_the_batch_past_its_deadline(poller):
    deps = poller.dependencies()
    answer = threading.Event()
    with Site() as slow, Site() as quick:
        slow.hold = answer  # the list page is answered only once the test says so
        slow.pages["/feed.xml"] = (200, {}, _rss([("1", "一")]))
        quick.pages["/feed.xml"] = (200, {}, _rss([("1", "一")]))
        _register(deps, "slow", f"{slow.base}/feed.xml")
        _register(deps, "quick", f"{quick.base}/feed.xml")

        response = poller.lambda_handler(_event(("m1", "slow"), ("m2", "quick")), Context("poller", remaining_ms=4000))
        answered_before_return = answer.is_set()
        answer.set()

        assert (response, answered_before_return) == ({"batchItemFailures": []}, False)
        assert slow.paths() == ["/robots.txt", "/feed.xml"]
    slow_state, quick_state = deps.feeds.get("slow"), deps.feeds.get("quick")
    assert (slow_state["health_status"], slow_state["last_error"], slow_state["consecutive_failures"],
            "lease_owner" in slow_state) == (
        "failing", "Timeout: total deadline exceeded reading from 127.0.0.1", 1, False)
    assert quick_state["health_status"] == "baseline"


def test_poller_batch_feeds_of_one_host_take_turns_while_another_host_is_polled_meanwhile(poller):
    deps = poller.dependencies()
    interval = 0.3
    with Site() as shared, Site() as other:
        for index in range(4):
            shared.pages[f"/col{index}/feed.xml"] = (200, {}, _rss([(f"{index}-1", "一")]))
            _register(deps, f"shared-{index}", f"{shared.base}/col{index}/feed.xml")
        # The other host answers only after the shared host has been asked for all four lists: if the
        # batch polled one feed after another, this feed would wait for a turn that never comes.
        served = threading.Event()
        shared.on_request = lambda: sum(path.endswith("feed.xml") for path in shared.paths()) >= 4 and served.set()
        other.hold = served
        other.pages["/feed.xml"] = (200, {}, _rss([("1", "一")]))
        _register(deps, "other", f"{other.base}/feed.xml")
        assert deps.feeds.mark_shared_hosts() == {shared.base.removeprefix("http://"): 4}

        response = poller.lambda_handler(
            _event(("m9", "other"), *((f"m{index}", f"shared-{index}") for index in range(4))),
            Context("poller", remaining_ms=30_000))

        assert response == {"batchItemFailures": []}
        assert {deps.feeds.get(f)["health_status"] for f in ("other", *(f"shared-{i}" for i in range(4)))} == {
            "baseline"}
        log = sorted(shared.log, key=lambda entry: entry[2])
        # The host's robots.txt once (kept on the host's row for the others), then each source's list.
        assert sorted(shared.paths()) == ["/col0/feed.xml", "/col1/feed.xml", "/col2/feed.xml", "/col3/feed.xml",
                                          "/robots.txt"]
        gaps = [later[2] - earlier[3] for earlier, later in itertools.pairwise(log)]
        assert min(gaps) >= interval, gaps


def test_poll_batch_reports_a_poll_still_running_at_the_deadline_as_unfinished():
    release = threading.Event()

    def poll(job, time_left):
        if job.feed_id == "stuck":
            release.wait(30)  # ignores the time it has left, as a poll must not
        return PollOutcome(job.feed_id, "unchanged")

    try:
        results = poll_batch([PollJob("m1", "stuck"), PollJob("m2", "quick")], poll, workers=4, seconds=2.0)
        stuck_done = release.is_set()
    finally:
        release.set()

    assert stuck_done is False
    assert results["m2"] == PollOutcome("quick", "unchanged")
    assert isinstance(results["m1"], Unfinished)
    assert str(results["m1"]) == "not finished within 1.5 s"


def test_poll_batch_gives_each_poll_the_time_left_before_the_margin():
    seen = {}
    clock = itertools.count(100.0, 0.0)  # a clock that stands still: the time left is exact

    def poll(job, time_left):
        seen[job.owner] = time_left()
        if job.feed_id == "bad":
            raise RuntimeError("no such table")
        return PollOutcome(job.feed_id, "unchanged")

    results = poll_batch([PollJob("m1", "good"), PollJob("m2", "bad")], poll, workers=2, seconds=150.0,
                         clock=lambda: next(clock))

    assert seen == {"m1": 140.0, "m2": 140.0}  # 150 s less a margin of ten
    assert results["m1"] == PollOutcome("good", "unchanged")
    assert (type(results["m2"]), str(results["m2"])) == (RuntimeError, "no such table")
