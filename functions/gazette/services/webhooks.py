"""Webhook fan-out and delivery, Standard Webhooks style.

A document event becomes one delivery job per matching endpoint. Each job is signed and POSTed
with the same `webhook-id` on every attempt; failures are retried on a schedule of about three days
(SQS delays stop at 15 minutes, so a longer wait is re-enqueued until its time has come), and an
exhausted job is kept in the dead-letter queue with its reason.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gazette.adapters.http import FetchError, FetchResult, parse_retry_after
from gazette.adapters.messaging import OutgoingMessage, Queue
from gazette.domain.signing import signed_headers
from gazette.domain.urlguard import UnsafeURLError
from gazette.messages import DocumentCreated, WebhookDeliveryJob
from gazette.services.notify import SubscriberIndex

# Seconds to wait before attempt n+1 (after the first try): about three days in all.
RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
MAX_SQS_DELAY = 900


def delivery_id(event_id: str, subscription_id: str) -> str:
    return "msg_" + hashlib.sha256(f"{event_id}|{subscription_id}".encode()).hexdigest()[:26]


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


def next_delay(attempt: int, rng: Callable[[], float] = random.random) -> float | None:
    """Wait before the retry after `attempt` failed (0-based), with ±10 % jitter; None when exhausted."""
    if attempt >= len(RETRY_SCHEDULE):
        return None
    base = RETRY_SCHEDULE[attempt]
    return base * (0.9 + 0.2 * rng())


@dataclass(frozen=True, slots=True)
class AttemptResult:
    outcome: str  # delivered | retry | gone | dropped | exhausted | waiting
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None


def attempt(job: WebhookDeliveryJob, *, url: str, secrets_in_use: list[str],
            post: Callable[..., FetchResult], now: datetime) -> AttemptResult:
    """One signed POST. 2xx delivered; 410 gone; a redirect or any other answer is a failure."""
    headers = signed_headers(secrets_in_use=secrets_in_use, msg_id=job.delivery_id, timestamp=now,
                             body=job.payload)
    try:
        result = post(url, method="POST", body=job.payload.encode("utf-8"), headers=headers,
                      follow_redirects=False)
    except UnsafeURLError as exc:
        return AttemptResult("retry", error=f"refused address: {exc}")
    except FetchError as exc:
        return AttemptResult("retry", error=f"{type(exc).__name__}: {exc}")
    if 200 <= result.status < 300:
        return AttemptResult("delivered", result.status)
    if result.status == 410:
        return AttemptResult("gone", result.status)
    retry_after = None
    if result.status in (429, 503):
        retry_after = parse_retry_after(result.headers.get("retry-after"), now)
    return AttemptResult("retry", result.status, error=f"HTTP {result.status}", retry_after=retry_after)


def schedule_retry(job: WebhookDeliveryJob, result: AttemptResult, queue: Queue, now: datetime) -> bool:
    """Enqueues the next attempt; False when the schedule is exhausted."""
    delay = next_delay(job.attempt)
    if delay is None:
        return False
    if result.retry_after is not None:
        delay = max(delay, result.retry_after)
    follow = job.model_copy(update={"attempt": job.attempt + 1, "not_before": now + timedelta(seconds=delay)})
    queue.send_all([OutgoingMessage(id=job.delivery_id, body=follow.model_dump_json(),
                                    delay_seconds=int(min(delay, MAX_SQS_DELAY)))])
    return True


def wait_if_early(job: WebhookDeliveryJob, queue: Queue, now: datetime) -> bool:
    """A job whose time has not come goes back to the queue for at most 15 more minutes."""
    if job.not_before is None or job.not_before <= now + timedelta(seconds=1):
        return False
    remaining = (job.not_before - now).total_seconds()
    queue.send_all([OutgoingMessage(id=job.delivery_id, body=job.model_dump_json(),
                                    delay_seconds=int(min(remaining, MAX_SQS_DELAY)))])
    return True


def dead_letter(job: WebhookDeliveryJob, reason: str, dlq: Queue) -> None:
    dlq.send_all([OutgoingMessage(id=job.delivery_id, body=job.model_dump_json(),
                                  attributes={"failure_reason": reason[:256]})])


def secrets_of(raw: dict) -> list[str]:
    return list(json.loads(raw.get("secrets", "[]")))


def utcnow() -> datetime:
    return datetime.now(UTC)
