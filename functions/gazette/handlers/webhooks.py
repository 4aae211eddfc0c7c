"""SQS webhook queue: document events fan out into delivery jobs; delivery jobs are signed and sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from pydantic import BaseModel

from gazette.adapters import http
from gazette.adapters.messaging import Queue
from gazette.adapters.subscription_store import SubscriptionStore
from gazette.config import WebhookSettings
from gazette.domain.subscriptions import Channel, State
from gazette.messages import DocumentCreated, WebhookDeliveryJob
from gazette.observability import logger, metrics
from gazette.services import webhooks as service
from gazette.services.notify import SubscriberIndex


class AttemptKey(BaseModel):
    delivery_id: str
    attempt: int


@dataclass(frozen=True)
class Dependencies:
    settings: WebhookSettings
    subscriptions: SubscriptionStore
    queue: Queue
    dlq: Queue
    attempt_once: Any
    idempotency: IdempotencyConfig


@cache
def dependencies() -> Dependencies:
    settings = WebhookSettings()
    sqs = boto3.client("sqs")
    subscriptions = SubscriptionStore(boto3.client("dynamodb"), settings.subscriptions_table)
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table,
                                           boto3_client=boto3.client("dynamodb"))
    post = partial(http.fetch, timeout=(5.0, settings.delivery_timeout), max_bytes=64 * 1024,
                   allow_loopback=settings.allow_loopback)

    config = IdempotencyConfig(expires_after_seconds=7 * 86400)

    @idempotent_function(data_keyword_argument="key", persistence_store=persistence, config=config)
    def attempt_once(*, key: AttemptKey, job: WebhookDeliveryJob, url: str, secrets: list[str]) -> dict:
        result = service.attempt(job, url=url, secrets_in_use=secrets, post=post, now=service.utcnow())
        return {"outcome": result.outcome, "status": result.status, "error": result.error,
                "retry_after": result.retry_after}

    return Dependencies(settings, subscriptions, Queue(sqs, settings.webhook_queue_url),
                        Queue(sqs, settings.webhook_dlq_url), attempt_once, config)


def deliver(job: WebhookDeliveryJob, deps: Dependencies) -> None:
    now = service.utcnow()
    if service.wait_if_early(job, deps.queue, now):
        return
    raw = deps.subscriptions.get_raw(job.subscription_id)
    if raw is None or raw.get("state") != State.CONFIRMED.value:
        logger.info("webhook dropped", delivery_id=job.delivery_id, reason="endpoint not active")
        return
    outcome = deps.attempt_once(key=AttemptKey(delivery_id=job.delivery_id, attempt=job.attempt), job=job,
                                url=raw["target"], secrets=service.secrets_of(raw))
    result = service.AttemptResult(**outcome)
    metrics.add_metric(name="WebhookAttempts", unit="Count", value=1)
    logger.info("webhook attempted", delivery_id=job.delivery_id, subscription_id=job.subscription_id,
                attempt=job.attempt, outcome=result.outcome, status=result.status, error=result.error)
    if result.outcome == "delivered":
        return
    if result.outcome == "gone":
        deps.subscriptions.disable(job.subscription_id, "endpoint answered 410 Gone")
        metrics.add_metric(name="WebhookEndpointsDisabled", unit="Count", value=1)
        return
    metrics.add_metric(name="WebhookFailures", unit="Count", value=1)
    if not service.schedule_retry(job, result, deps.queue, now):
        service.dead_letter(job, result.error or "retries exhausted", deps.dlq)
        logger.warning("webhook exhausted", delivery_id=job.delivery_id, subscription_id=job.subscription_id)


def handle_record(record: SQSRecord, deps: Dependencies, index: SubscriberIndex) -> None:
    body = json.loads(record.body)
    if body.get("type") == "webhook.delivery":
        deliver(WebhookDeliveryJob.model_validate(body), deps)
        return
    event = DocumentCreated.model_validate(body)
    count = service.fan_out(event, index, deps.queue)
    logger.info("webhooks fanned out", document_id=event.document.id, deliveries=count)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deps = dependencies()
    deps.idempotency.register_lambda_context(context)
    index = SubscriberIndex(deps.subscriptions, Channel.WEBHOOK)
    return process_partial_response(
        event=event,
        record_handler=partial(handle_record, deps=deps, index=index),
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
