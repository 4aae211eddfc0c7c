"""Webhooks on moto, delivered to real loopback receivers that verify with the `standardwebhooks` library.

SQS delays are set to zero (`max_queue_delay=0`); a retry's time is still carried in its `not_before`,
and a test makes a re-enqueued job due either by clearing it or by moving the injected clock on.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from moto.backends import get_backend
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from gazette.domain.subscriptions import Channel, State
from gazette.domain.urlguard import UnsafeURLError
from gazette.messages import DocumentCreated, DocumentOut, WebhookDeliveryJob
from gazette.services.webhooks import RETRY_SCHEDULE
from gazette_local.runner import LambdaContext
from gazette_local.servers import LoopbackServer

OWNER = "owner@example.org"
PUBLIC = "93.184.216.34"


# ------------------------------------------------------------------------------------ the receiver
@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class Receiver:
    """Answers each verified POST with the next scripted (status, headers); 401 when verification fails."""

    secrets: list[str] = field(default_factory=list)
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    hang: float = 0.0  # seconds to sit on each request before answering
    requests: list[Received] = field(default_factory=list)
    accepted: Counter = field(default_factory=Counter)  # webhook-id -> 2xx answers to verified deliveries
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, body: bytes, headers: dict[str, str]) -> bool:
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
                return True
            except WebhookVerificationError:
                continue
        return False

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {key.lower(): value for key, value in self.headers.items()}
                verified = receiver.verify(body, headers)
                with receiver.lock:
                    receiver.requests.append(Received(self.command, self.path, headers, body, verified))
                if receiver.hang:
                    receiver.release.wait(receiver.hang)
                status, extra = 401, {}
                if verified:
                    with receiver.lock:
                        status, extra = receiver.script.pop(0) if receiver.script else (204, {})
                        if 200 <= status < 300:
                            receiver.accepted[headers["webhook-id"]] += 1
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = _answer
            do_GET = _answer

        return Handler

    def posts(self, path: str = "/hook") -> list[Received]:
        return [r for r in self.requests if r.method == "POST" and r.path == path]


@pytest.fixture
def receiver():
    hooks = Receiver()
    server = LoopbackServer(hooks.handler())
    with server:
        hooks.base_url = server.base_url  # type: ignore[attr-defined]
        yield hooks
        hooks.release.set()


# ------------------------------------------------------------------------------------ the stack
class Clock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def public_resolver(host, port, **kwargs):
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port))]


@dataclass
class Harness:
    stack: Any
    receiver: Receiver
    clock: Clock = field(default_factory=Clock)
    settings: dict[str, Any] = field(default_factory=dict)
    resolver: Any = socket.getaddrinfo
    _deps: Any = None

    @property
    def store(self):
        from gazette.adapters.subscription_store import SubscriptionStore

        return SubscriptionStore(self.stack.client("dynamodb"), self.stack.tables["SubscriptionsTable"],
                                 token_key=self.stack.token_key())

    @property
    def log(self):
        from gazette.adapters.delivery_log import DeliveryLog

        return DeliveryLog(self.stack.client("dynamodb"), self.stack.tables["DeliveryLogTable"])

    def queue(self, logical: str = "WebhookQueue"):
        from gazette.adapters.messaging import Queue

        return Queue(self.stack.client("sqs"), self.stack.queues[logical])

    def deps(self):
        from gazette.config import WebhookSettings
        from gazette.handlers.webhooks import build_dependencies

        if self._deps is None:
            settings = WebhookSettings(**{"max_queue_delay": 0, **self.settings})
            self._deps = build_dependencies(settings, resolver=self.resolver, clock=self.clock)
        return self._deps

    def subscribe(self, path: str = "/hook", *, owner_email: str | None = OWNER, url: str | None = None,
                  **kwargs: Any):
        from gazette.services.subscribe import subscribe_webhook

        created = subscribe_webhook(self.store, url=url or f"{self.receiver.base_url}{path}", domains=["disasters"],
                                    owner_email=owner_email, allow_loopback=kwargs.pop("allow_loopback", True),
                                    **kwargs)
        self.receiver.secrets.append(created.webhook_secret)
        return created

    def invoke(self, bodies: list[str]) -> dict[str, Any]:
        from gazette.handlers.webhooks import process

        records = [{"messageId": f"m{index}", "receiptHandle": f"r{index}", "body": body, "attributes": {},
                    "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:webhooks", "awsRegion": "us-east-1"}
                   for index, body in enumerate(bodies)]
        result = process({"Records": records}, LambdaContext(function_name="webhooks"), self.deps())
        assert result["batchItemFailures"] == []
        return result

    def take(self, logical: str = "WebhookQueue") -> list[dict[str, Any]]:
        """Every message now in the queue, removed from it."""
        sqs, url = self.stack.client("sqs"), self.stack.queues[logical]
        taken = []
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                           WaitTimeSeconds=0).get("Messages", [])
            if not messages:
                return taken
            taken.extend(messages)
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])

    def jobs(self) -> list[WebhookDeliveryJob]:
        return [WebhookDeliveryJob.model_validate_json(m["Body"]) for m in self.take()]

    def run(self, jobs: list[WebhookDeliveryJob], *, due: bool = True) -> list[WebhookDeliveryJob]:
        """Hands the jobs to the handler (made due at once unless `due=False`); returns what it enqueued."""
        if due:
            jobs = [job.model_copy(update={"not_before": None}) for job in jobs]
        self.invoke([job.model_dump_json() for job in jobs])
        return self.jobs()

    def run_until_quiet(self, jobs: list[WebhookDeliveryJob], rounds: int = 20) -> list[WebhookDeliveryJob]:
        seen = []
        for _ in range(rounds):
            if not jobs:
                return seen
            seen.extend(jobs)
            jobs = self.run(jobs)
        raise AssertionError("deliveries kept coming back")

    def publish(self, doc_id: str = "doc_1") -> list[WebhookDeliveryJob]:
        """A document event arrives from SNS: the handler fans it out into delivery jobs."""
        self.invoke([event(doc_id).model_dump_json()])
        return self.jobs()


def event(doc_id: str = "doc_1") -> DocumentCreated:
    document = DocumentOut(id=doc_id, title="关于印发威海市气象灾害应急预案的通知", feed_id="weihai",
                           language="zh-Hans", domains=["disasters"], text_url=f"s3://bucket/{doc_id}.txt")
    return DocumentCreated(id=f"evt_{doc_id}", occurred_at=datetime(2024, 4, 20, tzinfo=UTC), document=document)


def owner_mails() -> list[Any]:
    return [m for m in get_backend("ses")["123456789012"]["us-east-1"].sent_messages
            if OWNER in str(getattr(m, "destinations", ""))]


@pytest.fixture
def hooks(aws_stack, receiver):
    return Harness(aws_stack, receiver)


# ------------------------------------------------------------------------------------ signing
def test_delivery_of_a_document_event_is_verified_by_the_receiver_with_the_same_body(hooks):
    hooks.subscribe()

    assert hooks.run(hooks.publish()) == []

    post, = hooks.receiver.posts()
    assert post.verified
    assert json.loads(post.body) == json.loads(event().model_dump_json())
    assert len(post.body) < 20 * 1024
    assert post.headers["content-type"] == "application/json"


def test_delivered_body_changed_by_one_byte_fails_verification(hooks):
    created = hooks.subscribe()
    hooks.run(hooks.publish())

    post, = hooks.receiver.posts()
    tampered = post.body.replace(b"disasters", b"disastert", 1)
    with pytest.raises(WebhookVerificationError):
        Webhook(created.webhook_secret).verify(tampered, post.headers)


def test_delivery_signed_with_a_stale_timestamp_is_refused_by_the_receiver_and_retried(hooks):
    hooks.clock = Clock(datetime.now(UTC) - timedelta(minutes=10))
    hooks.subscribe()

    retried = hooks.run(hooks.publish())

    post, = hooks.receiver.posts()
    assert not post.verified
    assert hooks.receiver.accepted == Counter()
    assert [job.attempt for job in retried] == [1]


def test_during_a_rotation_deliveries_verify_with_the_old_and_the_new_secret(hooks):
    from gazette.services.webhooks import rotate_secret

    created = hooks.subscribe()
    old = created.webhook_secret
    new = rotate_secret(hooks.store, created.subscription.subscription_id, grace_hours=24)
    hooks.run(hooks.publish())

    post, = hooks.receiver.posts()
    assert new.startswith("whsec_") and new != old
    assert len(post.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(post.body, post.headers)
    assert Webhook(new).verify(post.body, post.headers)


def test_after_the_grace_period_only_the_new_secret_signs(hooks):
    from gazette.services.webhooks import rotate_secret

    created = hooks.subscribe()
    old = created.webhook_secret
    new = rotate_secret(hooks.store, created.subscription.subscription_id, grace_hours=1,
                        now=datetime.now(UTC) - timedelta(hours=2))
    hooks.run(hooks.publish())

    post, = hooks.receiver.posts()
    assert Webhook(new).verify(post.body, post.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(post.body, post.headers)


def test_rotating_the_secret_of_an_unknown_endpoint_is_refused(hooks):
    from gazette.domain.subscriptions import SubscriptionError
    from gazette.services.webhooks import rotate_secret

    with pytest.raises(SubscriptionError):
        rotate_secret(hooks.store, "sub_unknown")


# ------------------------------------------------------------------------------------ retries
def test_a_receiver_answering_503_then_200_accepts_exactly_one_delivery_per_webhook_id(hooks):
    hooks.receiver.script = [(503, {}), (503, {}), (200, {})]
    hooks.subscribe()
    first = hooks.publish()

    jobs = hooks.run_until_quiet(first)
    # SQS delivers at least once: the same event and the same final job again change nothing.
    assert hooks.run(hooks.publish()) == []
    assert hooks.run(jobs[-1:]) == []

    posts = hooks.receiver.posts()
    assert [job.attempt for job in jobs] == [0, 1, 2]
    assert len(posts) == 3 and all(p.verified for p in posts)
    assert {p.headers["webhook-id"] for p in posts} == {first[0].delivery_id}
    assert hooks.receiver.accepted == Counter({first[0].delivery_id: 1})


def test_retries_follow_the_three_day_schedule_then_dead_letter_mark_failed_and_tell_the_owner_once(hooks):
    hooks.receiver.script = [(500, {})] * 20
    created = hooks.subscribe()
    sub_id = created.subscription.subscription_id
    job, = hooks.publish()

    waits = []
    while job is not None:
        follow = hooks.run([job], due=False)
        if follow:
            waits.append((follow[0].not_before - hooks.clock.now).total_seconds())
            hooks.clock.now = follow[0].not_before  # the clock moves on to the retry's due time
            job = follow[0]
        else:
            job = None

    assert len(hooks.receiver.posts()) == len(RETRY_SCHEDULE) + 1
    for wait, base in zip(waits, RETRY_SCHEDULE, strict=True):
        assert 0.9 * base - 1 <= wait <= 1.1 * base + 1
    dead = hooks.take("WebhookDLQ")
    assert len(dead) == 1
    assert "retries exhausted" in dead[0]["MessageAttributes"]["failure_reason"]["StringValue"]
    assert WebhookDeliveryJob.model_validate_json(dead[0]["Body"]).delivery_id == job_id(hooks, sub_id)
    assert hooks.log.delivery(sub_id, job_id(hooks, sub_id))["state"] == "failed"
    assert len(owner_mails()) == 1

    # A second delivery exhausted in the same failing period tells the owner nothing new.
    last = WebhookDeliveryJob(delivery_id="msg_second", subscription_id=sub_id, payload='{"type":"ping"}',
                              attempt=len(RETRY_SCHEDULE))
    assert hooks.run([last]) == []
    assert len(hooks.take("WebhookDLQ")) == 1
    assert len(owner_mails()) == 1


def job_id(hooks: Harness, sub_id: str) -> str:
    from gazette.services.webhooks import delivery_id

    return delivery_id(event().id, sub_id)


def test_a_429_with_retry_after_is_retried_no_sooner_than_it_asked(hooks):
    hooks.receiver.script = [(429, {"Retry-After": "120"}), (200, {})]
    hooks.subscribe()
    start = hooks.clock.now

    retry, = hooks.run(hooks.publish())
    assert retry.attempt == 1 and retry.not_before == start + timedelta(seconds=120)

    hooks.clock.advance(seconds=60)
    waiting, = hooks.run([retry], due=False)
    assert len(hooks.receiver.posts()) == 1 and waiting.not_before == retry.not_before

    hooks.clock.advance(seconds=61)
    assert hooks.run([waiting], due=False) == []
    assert len(hooks.receiver.posts()) == 2
    assert hooks.receiver.accepted == Counter({retry.delivery_id: 1})


def test_a_302_is_a_failure_and_its_location_is_never_requested(hooks):
    hooks.receiver.script = [(302, {"Location": f"{hooks.receiver.base_url}/elsewhere"})]
    created = hooks.subscribe()

    retry, = hooks.run(hooks.publish())

    assert retry.attempt == 1
    assert [r.path for r in hooks.receiver.requests] == ["/hook"]
    attempt, = hooks.log.attempts(created.subscription.subscription_id)[0]
    assert attempt["status"] == 302 and "redirects are not followed" in attempt["error"]


def test_a_receiver_that_hangs_times_out_and_the_delivery_is_retried(hooks):
    hooks.receiver.hang = 30
    hooks.settings = {"delivery_timeout": 0.5}
    created = hooks.subscribe()

    retry, = hooks.run(hooks.publish())

    assert retry.attempt == 1
    attempt, = hooks.log.attempts(created.subscription.subscription_id)[0]
    assert attempt["error"] == "timed out" and attempt["status"] is None


def test_a_410_disables_the_endpoint_and_nothing_is_retried(hooks):
    hooks.receiver.script = [(410, {})]
    created = hooks.subscribe()
    sub_id = created.subscription.subscription_id

    assert hooks.run(hooks.publish()) == []

    assert hooks.store.get(sub_id).state is State.DISABLED
    assert hooks.store.by_domain("disasters", Channel.WEBHOOK) == []
    assert hooks.publish("doc_2") == []
    assert len(hooks.receiver.posts()) == 1
    assert len(owner_mails()) == 1


def test_five_days_of_failures_disable_the_endpoint_and_keep_the_event_in_the_dlq(hooks):
    hooks.receiver.script = [(500, {})] * 5
    created = hooks.subscribe()
    sub_id = created.subscription.subscription_id

    retry, = hooks.run(hooks.publish())
    hooks.clock.advance(days=3)
    hooks.run(hooks.publish("doc_2"))
    assert hooks.store.get(sub_id).state is State.CONFIRMED

    hooks.clock.advance(days=2, minutes=1)
    assert hooks.run([retry]) == []

    assert hooks.store.get(sub_id).state is State.DISABLED
    dead, = hooks.take("WebhookDLQ")
    assert "5 days" in dead["MessageAttributes"]["failure_reason"]["StringValue"]
    assert len(owner_mails()) == 1


def test_a_success_in_between_restarts_the_five_day_count(hooks):
    # Only the middle delivery is signed at the real time; the receiver refuses the other two as stale.
    hooks.clock = Clock(datetime.now(UTC) - timedelta(days=3))
    created = hooks.subscribe()

    hooks.run(hooks.publish())
    hooks.clock.advance(days=3)
    hooks.run(hooks.publish("doc_2"))
    hooks.clock.advance(days=3)
    hooks.run(hooks.publish("doc_3"))

    assert [p.verified for p in hooks.receiver.posts()] == [False, True, False]
    assert hooks.store.get(created.subscription.subscription_id).state is State.CONFIRMED


# ------------------------------------------------------------------------------------ SSRF
REFUSED = [
    "http://hooks.example.org/in",  # https only
    "ftp://hooks.example.org/in",
    "https://user:pass@hooks.example.org/in",
    "https://127.0.0.1/in",
    "https://[::1]/in",
    "https://localhost/in",
    "https://localhost./in",
    "https://10.0.0.1/in",
    "https://172.16.5.4/in",
    "https://192.168.1.10/in",
    "https://169.254.10.10/in",  # link-local
    "https://[fe80::1]/in",
    "https://100.64.0.1/in",  # CGNAT
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/in",
    "https://[::ffff:127.0.0.1]/in",
    "https://[::ffff:169.254.169.254]/in",
    "https://2130706433/in",  # 127.0.0.1 in decimal
    "https://0x7f000001/in",  # and in hex
    "https://0177.0.0.1/in",  # and in octal
    "https://127.1/in",
    "https://0/in",
]


class UntouchedStore:
    """Stands in for SubscriptionStore where a refusal must come before anything is stored."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the store was used ({name}) for a refused URL")


@pytest.mark.parametrize("url", REFUSED)
def test_subscribe_refuses_a_url_aimed_inward_before_storing_anything(url):
    from gazette.services.subscribe import subscribe_webhook

    with pytest.raises(UnsafeURLError):
        subscribe_webhook(UntouchedStore(), url=url, domains=["disasters"], resolver=public_resolver)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "fd00:ec2::254", "::ffff:10.0.0.1"])
def test_subscribe_refuses_a_name_that_resolves_to_an_inward_address(address):
    from gazette.services.subscribe import subscribe_webhook

    def resolver(host, port, **kwargs):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port)),
                (family, socket.SOCK_STREAM, 6, "", (address, port))]

    with pytest.raises(UnsafeURLError):
        subscribe_webhook(UntouchedStore(), url="https://hooks.example.org/in", domains=["disasters"],
                          resolver=resolver)


def test_subscribe_refuses_a_host_that_does_not_resolve():
    from gazette.services.subscribe import subscribe_webhook

    def resolver(host, port, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(UnsafeURLError):
        subscribe_webhook(UntouchedStore(), url="https://nowhere.example.org/in", domains=["disasters"],
                          resolver=resolver)


@pytest.mark.parametrize("url", ["https://169.254.169.254/", "http://10.0.0.1/", "http://[fd00:ec2::254]/"])
def test_subscribe_with_loopback_allowed_still_refuses_private_and_metadata_addresses(url):
    from gazette.services.subscribe import subscribe_webhook

    with pytest.raises(UnsafeURLError):
        subscribe_webhook(UntouchedStore(), url=url, domains=["disasters"], allow_loopback=True)


def test_subscribe_accepts_an_https_url_on_a_public_address(hooks):
    from gazette.services.subscribe import subscribe_webhook

    created = subscribe_webhook(hooks.store, url="https://hooks.example.org/in", domains=["disasters"],
                                resolver=public_resolver, owner_email=OWNER)

    assert created.subscription.state is State.CONFIRMED
    assert hooks.store.get_raw(created.subscription.subscription_id)["owner_email"] == OWNER


def test_a_name_public_at_subscribe_time_and_loopback_at_send_time_is_refused_with_nothing_sent(hooks):
    port = int(hooks.receiver.base_url.rsplit(":", 1)[1])
    lookups = []

    def rebinding(host, port, **kwargs):
        lookups.append(host)
        address = PUBLIC if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    hooks.resolver = rebinding
    hooks.settings = {"allow_loopback": False}
    created = hooks.subscribe(url=f"https://rebind.example.org:{port}/hook", allow_loopback=False,
                              resolver=rebinding)

    retry, = hooks.run(hooks.publish())

    assert lookups == ["rebind.example.org", "rebind.example.org"]
    assert hooks.receiver.requests == []
    assert retry.attempt == 1
    attempt, = hooks.log.attempts(created.subscription.subscription_id)[0]
    assert attempt["error"] == "refused loopback address 127.0.0.1"


# ------------------------------------------------------------------------------------ log, ping, replay
def test_delivery_log_lists_every_attempt_newest_first_with_status_latency_and_a_cursor(hooks):
    from gazette.services.webhooks import list_deliveries

    hooks.receiver.script = [(503, {}), (200, {})]
    created = hooks.subscribe()
    sub_id = created.subscription.subscription_id
    hooks.run_until_quiet(hooks.publish())

    first, cursor = list_deliveries(hooks.log, sub_id, limit=1)
    second, end = list_deliveries(hooks.log, sub_id, limit=1, cursor=cursor)

    assert [first[0]["status"], second[0]["status"]] == [200, 503]
    assert [first[0]["attempt"], second[0]["attempt"]] == [1, 0]
    assert first[0]["outcome"] == "delivered" and second[0]["error"] == "HTTP 503"
    assert all(isinstance(item["latency_ms"], int) and item["at"] for item in first + second)
    assert end is None or list_deliveries(hooks.log, sub_id, limit=1, cursor=end)[0] == []


def test_delivery_log_refuses_a_cursor_made_for_another_endpoint(hooks):
    from gazette.services.webhooks import list_deliveries

    one, other = hooks.subscribe("/one"), hooks.subscribe("/two")
    hooks.run_until_quiet(hooks.publish())
    hooks.run_until_quiet(hooks.publish("doc_2"))
    _, cursor = list_deliveries(hooks.log, one.subscription.subscription_id, limit=1)

    with pytest.raises(ValueError):
        list_deliveries(hooks.log, other.subscription.subscription_id, cursor=cursor)
    with pytest.raises(ValueError):
        list_deliveries(hooks.log, other.subscription.subscription_id, cursor="not-a-cursor")


def test_a_ping_is_delivered_signed_with_its_own_delivery_id(hooks):
    from gazette.services.webhooks import send_ping

    created = hooks.subscribe()
    ping_id = send_ping(hooks.store, hooks.queue(), created.subscription.subscription_id)

    hooks.run_until_quiet(hooks.jobs())

    post, = hooks.receiver.posts()
    assert post.verified and post.headers["webhook-id"] == ping_id
    assert json.loads(post.body)["type"] == "ping"


def test_replay_of_one_delivery_sends_it_again_with_the_same_webhook_id(hooks):
    from gazette.services.webhooks import replay

    created = hooks.subscribe()
    sub_id = created.subscription.subscription_id
    hooks.run_until_quiet(hooks.publish())
    delivered = hooks.receiver.posts()[0]

    assert replay(hooks.log, hooks.queue(), sub_id, delivery_id=delivered.headers["webhook-id"]) == 1
    hooks.run_until_quiet(hooks.jobs())

    again = hooks.receiver.posts()[1]
    assert again.verified and again.body == delivered.body
    assert again.headers["webhook-id"] == delivered.headers["webhook-id"]


def test_replay_since_a_time_sends_every_delivery_attempted_since_then_and_unknown_ids_none(hooks):
    from gazette.services.webhooks import replay

    created = hooks.subscribe()
    sub_id = created.subscription.subscription_id
    before = hooks.clock.now - timedelta(seconds=1)
    hooks.run_until_quiet(hooks.publish())
    hooks.run_until_quiet(hooks.publish("doc_2"))

    assert replay(hooks.log, hooks.queue(), sub_id, since=before) == 2
    hooks.run_until_quiet(hooks.jobs())
    assert replay(hooks.log, hooks.queue(), sub_id, delivery_id="msg_unknown") == 0
    assert replay(hooks.log, hooks.queue(), sub_id, since=hooks.clock.now + timedelta(hours=1)) == 0

    ids = Counter(p.headers["webhook-id"] for p in hooks.receiver.posts())
    assert sorted(ids.values()) == [2, 2]


def test_replay_needs_exactly_one_of_a_delivery_id_and_a_time(hooks):
    from gazette.services.webhooks import replay

    with pytest.raises(ValueError):
        replay(hooks.log, hooks.queue(), "sub_1")
    with pytest.raises(ValueError):
        replay(hooks.log, hooks.queue(), "sub_1", delivery_id="msg_1", since=datetime.now(UTC))


def test_delivery_log_items_expire_thirty_days_after_their_attempt(hooks):
    created = hooks.subscribe()
    hooks.run_until_quiet(hooks.publish())
    dynamodb, table = hooks.stack.client("dynamodb"), hooks.stack.tables["DeliveryLogTable"]

    ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    items = dynamodb.query(TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={
        ":pk": {"S": f"SUB#{created.subscription.subscription_id}"}})["Items"]

    assert ttl["AttributeName"] == "expires_at" and ttl["TimeToLiveStatus"] == "ENABLED"
    assert {item["sk"]["S"][:2] for item in items} == {"A#", "D#"}
    for item in items:
        expires = datetime.fromtimestamp(int(item["expires_at"]["N"]), UTC)
        assert abs(expires - (hooks.clock.now + timedelta(days=30))) <= timedelta(seconds=1)
