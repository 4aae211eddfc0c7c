"""SQS (from SNS) document events -> one alert mail per matching confirmed email subscription, once.

Exactly-once per (document, subscription) rests on Powertools idempotency records in DynamoDB: a
redelivered message or a retried batch finds the record and sends nothing again. Digest
subscriptions get the document queued for their period instead; suppressed addresses (permanent
bounces, complaints) get no SES call at all, checked with one read for the whole batch.
"""

from __future__ import annotations

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

from gazette.adapters.blobs import BlobStore
from gazette.adapters.mail import MailSender
from gazette.adapters.mail_state import DigestStore, SuppressionList
from gazette.adapters.messaging import Queue
from gazette.adapters.subscription_store import SubscriptionStore
from gazette.config import MailerSettings
from gazette.domain.digest import period_of
from gazette.domain.labels import domain_labels
from gazette.domain.subscriptions import Channel, Mode, Subscription
from gazette.handlers.batch import dead_letter_on_last_attempt
from gazette.messages import DocumentCreated
from gazette.observability import logger, metrics, redact_email
from gazette.services.notify import SubscriberIndex, alert_mail

IDEMPOTENCY_DAYS = 30


class AlertKey(BaseModel):
    """What makes an alert unique: one document, one subscription."""

    event_id: str
    subscription_id: str


@dataclass(frozen=True)
class Dependencies:
    settings: MailerSettings
    subscriptions: SubscriptionStore
    send_once: Any  # AlertKey, event, subscription -> message id, idempotent
    idempotency: IdempotencyConfig
    dead_letters: Queue
    suppression: SuppressionList
    digests: DigestStore
    blobs: BlobStore


@cache
def dependencies() -> Dependencies:
    settings = MailerSettings()
    sender = MailSender(boto3.client("sesv2"), settings.ses_configuration_set or None)
    dynamodb = boto3.client("dynamodb")
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table,
                                           boto3_client=boto3.client("dynamodb"))
    config = IdempotencyConfig(expires_after_seconds=IDEMPOTENCY_DAYS * 86400)

    @idempotent_function(data_keyword_argument="key", persistence_store=persistence, config=config)
    def send_once(*, key: AlertKey, event: DocumentCreated, subscription: Subscription) -> dict[str, str]:
        message = alert_mail(event, subscription, sender=settings.sender_address,
                             base_url=settings.public_base_url, labels=domain_labels)
        message_id = sender.send(message)
        logger.info("alert mailed", document_id=event.document.id,
                    subscription_id=subscription.subscription_id,
                    recipient=redact_email(subscription.target))
        metrics.add_metric(name="MailsSent", unit="Count", value=1)
        return {"message_id": message_id}

    return Dependencies(
        settings=settings,
        subscriptions=SubscriptionStore(dynamodb, settings.subscriptions_table),
        send_once=send_once,
        idempotency=config,
        dead_letters=Queue(boto3.client("sqs"), settings.email_dlq_url),
        suppression=SuppressionList(dynamodb, settings.subscriptions_table),
        digests=DigestStore(dynamodb, settings.subscriptions_table),
        blobs=BlobStore(boto3.client("s3"), settings.documents_bucket),
    )


def suppressed_in_batch(event: dict[str, Any], deps: Dependencies, index: SubscriberIndex) -> set[str]:
    """The batch's suppressed recipients, in one read; unreadable records are left to fail on their own."""
    addresses: set[str] = set()
    for record in event.get("Records", []):
        try:
            parsed = DocumentCreated.model_validate_json(record["body"])
        except ValueError:
            continue
        addresses.update(subscription.target for subscription in index.recipients(parsed))
    return deps.suppression.suppressed(addresses) if addresses else set()


def handle_record(record: SQSRecord, deps: Dependencies, index: SubscriberIndex, suppressed: set[str]) -> None:
    event = DocumentCreated.model_validate_json(record.body)
    waiting: list[tuple[str, str, str, str]] = []
    for subscription in index.recipients(event):
        if subscription.target in suppressed:
            metrics.add_metric(name="MailsSuppressed", unit="Count", value=1)
            continue
        if subscription.mode is not Mode.INSTANT:
            period = period_of(subscription.mode, event.occurred_at)
            waiting.append((subscription.subscription_id, period, event.document.id, event.model_dump_json()))
            continue
        deps.send_once(
            key=AlertKey(event_id=event.id, subscription_id=subscription.subscription_id),
            event=event,
            subscription=subscription,
        )
    if waiting:
        deps.digests.add(waiting)
        metrics.add_metric(name="DigestItemsQueued", unit="Count", value=len(waiting))


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deps = dependencies()
    deps.idempotency.register_lambda_context(context)
    index = SubscriberIndex(deps.subscriptions, Channel.EMAIL, text_loader=deps.blobs.get_url)
    suppressed = suppressed_in_batch(event, deps, index)
    return process_partial_response(
        event=event,
        record_handler=dead_letter_on_last_attempt(partial(handle_record, deps=deps, index=index,
                                                           suppressed=suppressed),
                                                   dlq=deps.dead_letters,
                                                   max_receives=deps.settings.max_receive_count),
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
