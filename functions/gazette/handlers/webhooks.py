"""SQS webhook queue: document events fan out into delivery jobs; delivery jobs are signed and sent.

Each (delivery, attempt, replay) is carried out once, through Powertools idempotency: a redelivered
message gets the recorded outcome back, so neither the POST nor the retry it scheduled happens twice.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from pydantic import BaseModel

from gazette.adapters import http
from gazette.adapters.clients import aws_client, lazy_client
from gazette.adapters.delivery_log import DeliveryLog
from gazette.adapters.mail import MailSender
from gazette.adapters.messaging import Queue
from gazette.adapters.secrets import token_key
from gazette.adapters.subscription_store import SubscriptionStore
from gazette.config import WebhookSettings
from gazette.domain.subscriptions import Channel
from gazette.domain.urlguard import Resolver
from gazette.messages import DocumentCreated, WebhookDeliveryJob
from gazette.observability import logger, metrics
from gazette.services import webhooks as service
from gazette.services.notify import SubscriberIndex

MAX_RESPONSE_BYTES = 64 * 1024


class AttemptKey(BaseModel):
    delivery_id: str
    attempt: int
    replay: int


@dataclass(frozen=True)
class Dependencies:
    settings: WebhookSettings
    ports: service.DeliveryPorts
    deliver_once: Callable[..., dict[str, Any]]
    idempotency: IdempotencyConfig
    clock: Callable[[], datetime]


def build_dependencies(settings: WebhookSettings, *, resolver: Resolver = socket.getaddrinfo,
                       clock: Callable[[], datetime] = service.utcnow) -> Dependencies:
    sqs, dynamodb = aws_client("sqs"), aws_client("dynamodb")
    key = token_key(aws_client("secretsmanager"), settings.token_key_secret_arn)
    timeout = settings.delivery_timeout
    # http only where loopback is allowed (the local stack); every send re-resolves and re-checks the
    # host and connects to the address it checked.
    post = partial(http.fetch, timeout=(min(5.0, timeout), timeout), total_timeout=timeout,
                   max_bytes=MAX_RESPONSE_BYTES, allow_loopback=settings.allow_loopback,
                   allow_http=settings.allow_loopback, resolver=resolver)
    ports = service.DeliveryPorts(
        subscriptions=SubscriptionStore(dynamodb, settings.subscriptions_table, token_key=key),
        log=DeliveryLog(dynamodb, settings.delivery_log_table),
        queue=Queue(sqs, settings.webhook_queue_url),
        dlq=Queue(sqs, settings.webhook_dlq_url),
        post=post,
        mailer=MailSender(lazy_client("sesv2"), settings.ses_configuration_set or None),  # rare: a notice
        sender=settings.sender_address,
        base_url=settings.public_base_url,
        max_queue_delay=settings.max_queue_delay,
        disable_after=timedelta(days=settings.disable_after_days),
    )
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table, boto3_client=dynamodb)
    config = IdempotencyConfig(expires_after_seconds=7 * 86400)

    @idempotent_function(data_keyword_argument="key", persistence_store=persistence, config=config)
    def deliver_once(*, key: AttemptKey, job: WebhookDeliveryJob) -> dict[str, Any]:
        return service.deliver(job, ports, clock()).as_dict()

    return Dependencies(settings, ports, deliver_once, config, clock)


@cache
def dependencies() -> Dependencies:
    return build_dependencies(WebhookSettings())


def deliver(job: WebhookDeliveryJob, deps: Dependencies) -> None:
    if service.wait_if_early(job, deps.ports.queue, deps.clock(), deps.settings.max_queue_delay):
        return
    result = deps.deliver_once(key=AttemptKey(delivery_id=job.delivery_id, attempt=job.attempt, replay=job.replay),
                               job=job)
    metrics.add_metric(name="WebhookAttempts", unit="Count", value=1)
    logger.info("webhook attempted", delivery_id=job.delivery_id, subscription_id=job.subscription_id,
                attempt=job.attempt, replay=job.replay, outcome=result["outcome"], status=result["status"],
                error=result["error"], next_in_seconds=result["delay"], owner_told=result["owner_told"])
    if result["outcome"] in (service.Outcome.RETRY, service.Outcome.EXHAUSTED, service.Outcome.DISABLED):
        metrics.add_metric(name="WebhookFailures", unit="Count", value=1)
    if result["outcome"] in (service.Outcome.GONE, service.Outcome.DISABLED):
        metrics.add_metric(name="WebhookEndpointsDisabled", unit="Count", value=1)
    if result["outcome"] == service.Outcome.EXHAUSTED:
        logger.warning("webhook exhausted", delivery_id=job.delivery_id, subscription_id=job.subscription_id)


def handle_record(record: SQSRecord, deps: Dependencies, index: SubscriberIndex) -> None:
    body = json.loads(record.body)
    if body.get("type") == "webhook.delivery":
        deliver(WebhookDeliveryJob.model_validate(body), deps)
        return
    event = DocumentCreated.model_validate(body)
    count = service.fan_out(event, index, deps.ports.queue)
    logger.info("webhooks fanned out", document_id=event.document.id, deliveries=count)


def process(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    deps.idempotency.register_lambda_context(context)
    index = SubscriberIndex(deps.ports.subscriptions, Channel.WEBHOOK)
    return process_partial_response(
        event=event,
        record_handler=partial(handle_record, deps=deps, index=index),
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process(event, context, dependencies())
