"""Webhook fan-out, delivery, retries, secrets and replays, Standard Webhooks style.

A document event becomes one delivery job per matching endpoint. Each job is signed and POSTed with
the same `webhook-id` on every attempt (and on every replay). A 2xx delivers; a 410 disables the
endpoint; a redirect (never followed) or any other answer fails, and is retried on a schedule of
about three days (a 429 or 503 waits as its Retry-After says). SQS delays stop at 15 minutes, so a
longer wait is re-enqueued until its time has come. An exhausted job goes to the dead-letter queue
with its reason, its delivery is marked failed and the endpoint's owner is told by mail, once per
failing period; an endpoint that has failed for five days without a success is disabled.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from gazette.adapters.delivery_log import AttemptRecord, DeliveryLog
from gazette.adapters.errors import StoreError
from gazette.adapters.http import (
    MAX_RETRY_AFTER,  # a Retry-After is honoured up to a day, as for feeds
    ConnectError,
    FetchError,
    FetchResult,
    ProtocolError,
    Timeout,
    TooLarge,
    TooManyRedirects,
    UnsafeURL,
    parse_retry_after,
)
from gazette.adapters.mail import MailRejected, MailSender
from gazette.adapters.messaging import OutgoingMessage, Queue
from gazette.adapters.subscription_store import SubscriptionStore
from gazette.domain.signing import (
    SecretFormatError,
    active_secrets,
    dump_secrets,
    new_secret,
    parse_secrets,
    rotated,
    signed_headers,
)
from gazette.domain.subscriptions import Channel, State, SubscriptionError
from gazette.messages import DocumentCreated, WebhookDeliveryJob, WebhookPing
from gazette.services.notify import SubscriberIndex

if TYPE_CHECKING:
    from email.message import EmailMessage

# Seconds to wait before attempt n+1 (after the first try): about three days in all.
RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
MAX_SQS_DELAY = 900
MAX_REPLAY = 1000  # deliveries one replay request may queue again
DISABLE_AFTER = timedelta(days=5)

# What a transport failure is called in logs and in the delivery log: never the URL (its query may
# carry the receiver's token), only the kind of failure.
_FAILURES: dict[type[FetchError], str] = {
    Timeout: "timed out",
    ConnectError: "connection failed",
    TooLarge: "response too large",
    TooManyRedirects: "redirect",
    ProtocolError: "malformed response",
}


class Outcome:
    DELIVERED = "delivered"
    RETRY = "retry"
    GONE = "gone"  # 410: the endpoint is disabled
    EXHAUSTED = "exhausted"  # the schedule ran out: dead-lettered, owner told
    DISABLED = "disabled"  # five days of failures: dead-lettered, endpoint disabled
    DROPPED = "dropped"  # the endpoint no longer exists or was unsubscribed
    WAITING = "waiting"  # not yet time: back on the queue


def delivery_id(event_id: str, subscription_id: str) -> str:
    return "msg_" + hashlib.sha256(f"{event_id}|{subscription_id}".encode()).hexdigest()[:26]


def utcnow() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------------------- fan-out
def fan_out(event: DocumentCreated, index: SubscriberIndex, queue: Queue) -> int:
    body = event.model_dump_json()
    jobs = [
        WebhookDeliveryJob(
            delivery_id=delivery_id(event.id, subscription.subscription_id),
            subscription_id=subscription.subscription_id,
            payload=body,
        )
        for subscription in index.recipients(event)
    ]
    queue.send_all([OutgoingMessage(id=job.delivery_id, body=job.model_dump_json()) for job in jobs])
    return len(jobs)


# ---------------------------------------------------------------------------------------- schedule
def next_delay(attempt: int, rng: Callable[[], float] = random.random) -> float | None:
    """Wait before the retry after `attempt` failed (0-based), with ±10 % jitter; None when exhausted."""
    if attempt >= len(RETRY_SCHEDULE):
        return None
    base = RETRY_SCHEDULE[attempt]
    return base * (0.9 + 0.2 * rng())


def retry_delay(attempt: int, retry_after: float | None, rng: Callable[[], float] = random.random) -> float | None:
    """The wait before the next attempt: the receiver's Retry-After when it gave one, else the schedule."""
    delay = next_delay(attempt, rng)
    if delay is None or retry_after is None:
        return delay
    return min(max(retry_after, 1.0), MAX_RETRY_AFTER)


def schedule_retry(job: WebhookDeliveryJob, delay: float, queue: Queue, now: datetime,
                   max_queue_delay: int = MAX_SQS_DELAY) -> WebhookDeliveryJob:
    """Enqueues the next attempt, due `delay` seconds from `now`; returns the job enqueued."""
    follow = job.model_copy(update={"attempt": job.attempt + 1, "not_before": now + timedelta(seconds=delay)})
    queue.send_all([OutgoingMessage(id=job.delivery_id, body=follow.model_dump_json(),
                                    delay_seconds=int(min(delay, max_queue_delay)))])
    return follow


def wait_if_early(job: WebhookDeliveryJob, queue: Queue, now: datetime, max_queue_delay: int = MAX_SQS_DELAY) -> bool:
    """A job whose time has not come goes back to the queue for at most 15 more minutes."""
    if job.not_before is None or job.not_before <= now + timedelta(seconds=1):
        return False
    remaining = (job.not_before - now).total_seconds()
    queue.send_all([OutgoingMessage(id=job.delivery_id, body=job.model_dump_json(),
                                    delay_seconds=int(min(remaining, max_queue_delay)))])
    return True


def dead_letter(job: WebhookDeliveryJob, reason: str, dlq: Queue) -> None:
    dlq.send_all([OutgoingMessage(id=job.delivery_id, body=job.model_dump_json(),
                                  attributes={"failure_reason": reason[:256]})])


# ---------------------------------------------------------------------------------------- one attempt
@dataclass(frozen=True, slots=True)
class AttemptResult:
    outcome: str  # delivered | retry | gone
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None
    latency_ms: int | None = None


def failure_text(exc: FetchError) -> str:
    if isinstance(exc, UnsafeURL):
        return str(exc)  # "refused loopback address 127.0.0.1": the reason and the address, no URL
    return _FAILURES.get(type(exc), "request failed")


def attempt(job: WebhookDeliveryJob, *, url: str, secrets_in_use: list[str],
            post: Callable[..., FetchResult], now: datetime) -> AttemptResult:
    """One signed POST. 2xx delivered; 410 gone; a redirect or any other answer is a failure."""
    headers = signed_headers(secrets_in_use=secrets_in_use, msg_id=job.delivery_id, timestamp=now,
                             body=job.payload)
    started = time.monotonic()
    try:
        result = post(url, method="POST", body=job.payload.encode("utf-8"), headers=headers,
                      follow_redirects=False)
    except FetchError as exc:
        return AttemptResult(Outcome.RETRY, error=failure_text(exc),
                             latency_ms=round((time.monotonic() - started) * 1000))
    latency = round((time.monotonic() - started) * 1000)
    if 200 <= result.status < 300:
        return AttemptResult(Outcome.DELIVERED, result.status, latency_ms=latency)
    if result.status == 410:
        return AttemptResult(Outcome.GONE, result.status, error="HTTP 410 Gone", latency_ms=latency)
    if 300 <= result.status < 400:
        return AttemptResult(Outcome.RETRY, result.status, error=f"HTTP {result.status}: redirects are not followed",
                             latency_ms=latency)
    retry_after = None
    if result.status in (429, 503):
        retry_after = parse_retry_after(result.headers.get("retry-after"), now)
    return AttemptResult(Outcome.RETRY, result.status, error=f"HTTP {result.status}", retry_after=retry_after,
                         latency_ms=latency)


# ---------------------------------------------------------------------------------------- delivery
@dataclass(frozen=True)
class DeliveryPorts:
    """What delivering one job needs; the handler builds it once per container."""

    subscriptions: SubscriptionStore
    log: DeliveryLog
    queue: Queue
    dlq: Queue
    post: Callable[..., FetchResult]  # the guarded HTTP client, its SSRF and timeout settings bound
    mailer: MailSender | None = None
    sender: str = ""
    base_url: str = ""
    max_queue_delay: int = MAX_SQS_DELAY
    disable_after: timedelta = DISABLE_AFTER
    rng: Callable[[], float] = random.random


@dataclass(frozen=True, slots=True)
class Delivered:
    """What happened to one job, for the handler's log line and metrics."""

    outcome: str
    status: int | None = None
    error: str | None = None
    delay: float | None = None  # seconds until the next attempt, when one was scheduled
    owner_told: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "status": self.status, "error": self.error, "delay": self.delay,
                "owner_told": self.owner_told}


def _event_type(payload: str) -> str:
    try:
        return str(json.loads(payload).get("type", "unknown"))
    except (ValueError, AttributeError):
        return "unknown"


def deliver(job: WebhookDeliveryJob, ports: DeliveryPorts, now: datetime) -> Delivered:
    """Makes one attempt of `job` and acts on its result. Run it once per (delivery, attempt, replay)."""
    raw = ports.subscriptions.get_raw(job.subscription_id)
    if raw is None or raw.get("channel") != Channel.WEBHOOK.value or raw.get("state") != State.CONFIRMED.value:
        return _not_active(job, raw, ports)
    try:
        signing = active_secrets(parse_secrets(raw.get("secrets")), now)
    except SecretFormatError:
        signing = []
    if not signing:
        dead_letter(job, "the endpoint has no active signing secret", ports.dlq)
        return Delivered(Outcome.EXHAUSTED, error="no active signing secret")

    result = attempt(job, url=raw["target"], secrets_in_use=signing, post=ports.post, now=now)

    def record(outcome: str, state: str, next_attempt_at: datetime | None = None) -> None:
        ports.log.record_attempt(
            AttemptRecord(subscription_id=job.subscription_id, delivery_id=job.delivery_id, attempt=job.attempt,
                          replay=job.replay, at=now, outcome=outcome, event_type=_event_type(job.payload),
                          status=result.status, latency_ms=result.latency_ms, error=result.error,
                          next_attempt_at=next_attempt_at),
            payload=job.payload, state=state)

    if result.outcome == Outcome.DELIVERED:
        record(Outcome.DELIVERED, "delivered")
        ports.log.note_success(job.subscription_id)
        return Delivered(Outcome.DELIVERED, result.status)
    if result.outcome == Outcome.GONE:
        record(Outcome.GONE, "failed")
        ports.subscriptions.disable(job.subscription_id, "endpoint answered 410 Gone")
        told = _tell_owner(raw, ports, now, reason="the endpoint answered 410 Gone; it is disabled", once=False)
        return Delivered(Outcome.GONE, result.status, result.error, owner_told=told)

    failing_since = ports.log.note_failure(job.subscription_id, now)
    if now - failing_since >= ports.disable_after:
        record(Outcome.DISABLED, "failed")
        reason = f"deliveries failed for {ports.disable_after.days} days; the endpoint is disabled"
        ports.subscriptions.disable(job.subscription_id, reason)
        dead_letter(job, f"{reason} (last: {result.error})", ports.dlq)
        told = _tell_owner(raw, ports, now, reason=reason, once=False)
        return Delivered(Outcome.DISABLED, result.status, result.error, owner_told=told)

    delay = retry_delay(job.attempt, result.retry_after, ports.rng)
    if delay is None:
        record(Outcome.EXHAUSTED, "failed")
        dead_letter(job, f"retries exhausted after {job.attempt + 1} attempts (last: {result.error})", ports.dlq)
        told = _tell_owner(raw, ports, now, reason=f"a delivery failed {job.attempt + 1} times over about three "
                           f"days (last: {result.error}); it is kept and can be replayed", once=True)
        return Delivered(Outcome.EXHAUSTED, result.status, result.error, owner_told=told)
    record(Outcome.RETRY, "pending", now + timedelta(seconds=delay))
    schedule_retry(job, delay, ports.queue, now, ports.max_queue_delay)
    return Delivered(Outcome.RETRY, result.status, result.error, delay=delay)


def _not_active(job: WebhookDeliveryJob, raw: dict[str, Any] | None, ports: DeliveryPorts) -> Delivered:
    """A disabled endpoint's pending events are kept (dead-lettered); a deleted or unsubscribed one's are not."""
    if raw is not None and raw.get("state") == State.DISABLED.value:
        dead_letter(job, "the endpoint is disabled", ports.dlq)
        ports.log.set_state(job.subscription_id, job.delivery_id, "failed")
        return Delivered(Outcome.DROPPED, error="endpoint disabled")
    ports.log.set_state(job.subscription_id, job.delivery_id, "dropped")
    return Delivered(Outcome.DROPPED, error="endpoint not active")


def owner_notice(*, sender: str, owner: str, subscription_id: str, url: str, reason: str,
                 manage_url: str | None) -> EmailMessage:
    """A plain mail to an endpoint's owner. It names the host only: the URL's path or query may hold a token."""
    host = urlsplit(url).hostname or "your endpoint"
    # The email package is loaded by the rare mail to an endpoint's owner, not at every cold start.
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    message = EmailMessage()
    message["From"] = Address(display_name="Gazette alerts", addr_spec=sender)
    message["To"] = owner
    message["Subject"] = f"Webhook deliveries to {host} are failing"
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(idstring=f"webhook.{subscription_id}"[:40], domain=sender.rsplit("@", 1)[-1])
    lines = [
        f"Deliveries of gazette alerts to your webhook endpoint at {host} ({subscription_id}) are failing:",
        "",
        f"  {reason}",
        "",
        "Every attempt is listed in the endpoint's delivery log, and failed deliveries can be sent again.",
    ]
    if manage_url:
        lines += ["", f"Manage the endpoint: {manage_url}"]
    message.set_content("\n".join(lines) + "\n")
    return message


def _tell_owner(raw: dict[str, Any], ports: DeliveryPorts, now: datetime, *, reason: str, once: bool) -> bool:
    owner = raw.get("owner_email")
    subscription_id = raw["pk"].removeprefix("SUB#")
    if not owner or ports.mailer is None or not ports.sender:
        return False
    if once and not ports.log.claim_owner_notice(subscription_id, now):
        return False
    manage = f"{ports.base_url.rstrip('/')}/subscriptions/{subscription_id}" if ports.base_url else None
    try:
        ports.mailer.send(owner_notice(sender=ports.sender, owner=owner, subscription_id=subscription_id,
                                       url=raw["target"], reason=reason, manage_url=manage))
    except MailRejected:
        return False  # SES refuses this mail for good; the delivery log still says everything
    except StoreError:
        if once:
            ports.log.release_owner_notice(subscription_id)  # the retried attempt sends it
        raise
    return True


# ---------------------------------------------------------------------------------------- management
def _webhook(store: SubscriptionStore, subscription_id: str) -> dict[str, Any]:
    raw = store.get_raw(subscription_id)
    if raw is None or raw.get("channel") != Channel.WEBHOOK.value:
        raise SubscriptionError("unknown webhook endpoint")
    return raw


def rotate_secret(store: SubscriptionStore, subscription_id: str, *, grace_hours: int = 24,
                  now: datetime | None = None) -> str:
    """Returns the new secret (shown once); the old ones keep signing beside it for `grace_hours`."""
    if grace_hours < 0:
        raise ValueError("grace_hours must not be negative")
    moment = now or utcnow()
    current = _webhook(store, subscription_id).get("secrets")
    try:
        stored = parse_secrets(current)
    except SecretFormatError:
        stored = []
    secret = new_secret()
    store.replace_secrets(subscription_id, dump_secrets(rotated(stored, secret, now=moment,
                                                                grace=timedelta(hours=grace_hours))),
                          expected=current)
    return secret


def send_ping(store: SubscriptionStore, queue: Queue, subscription_id: str) -> str:
    """Queues a signed `ping` event for the endpoint; returns its delivery id (its `webhook-id`)."""
    raw = _webhook(store, subscription_id)
    if raw.get("state") != State.CONFIRMED.value:
        raise SubscriptionError("the endpoint is not active")
    ping = WebhookPing(id="evt_ping_" + secrets.token_hex(12), occurred_at=utcnow())
    job = WebhookDeliveryJob(delivery_id=delivery_id(ping.id, subscription_id), subscription_id=subscription_id,
                             payload=ping.model_dump_json())
    queue.send_all([OutgoingMessage(id=job.delivery_id, body=job.model_dump_json())])
    return job.delivery_id


def list_deliveries(log: DeliveryLog, subscription_id: str, *, limit: int = 20,
                    cursor: str | None = None) -> tuple[list[dict], str | None]:
    """Attempts to the endpoint, newest first, with a cursor to the next page; a foreign cursor is a ValueError."""
    return log.attempts(subscription_id, limit=limit, cursor=cursor)


def replay(log: DeliveryLog, queue: Queue, subscription_id: str, *, delivery_id: str | None = None,
           since: datetime | None = None) -> int:
    """Sends again, with the same `webhook-id`, one delivery or every delivery attempted since `since`.

    Each replay is a new run of attempts on the usual schedule; the receiver deduplicates by
    `webhook-id`. Returns how many deliveries were queued (0 for an unknown or expired one).
    """
    if (delivery_id is None) == (since is None):
        raise ValueError("give exactly one of delivery_id and since")
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    wanted = [delivery_id] if delivery_id is not None else log.delivery_ids_since(subscription_id, since or utcnow())
    run = int(time.time() * 1000)
    jobs = []
    for wanted_id in wanted:
        stored = log.delivery(subscription_id, wanted_id)
        if stored is None or "payload" not in stored:
            continue
        jobs.append(WebhookDeliveryJob(delivery_id=wanted_id, subscription_id=subscription_id,
                                       payload=stored["payload"], replay=run))
        if len(jobs) >= MAX_REPLAY:
            break
    queue.send_all([OutgoingMessage(id=job.delivery_id, body=job.model_dump_json()) for job in jobs])
    return len(jobs)
