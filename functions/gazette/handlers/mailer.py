"""SQS (from SNS) document events -> one alert mail per matching confirmed email subscription, once.

Exactly-once per (document, subscription) rests on Powertools idempotency records in DynamoDB: a
redelivered message or a retried batch finds the record and sends nothing again.
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

from gazette.adapters.mail import MailSender
from gazette.adapters.messaging import Queue
from gazette.adapters.subscription_store import SubscriptionStore
from gazette.config import MailerSettings
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


@cache
def dependencies() -> Dependencies:
    settings = MailerSettings()
    sender = MailSender(boto3.client("sesv2"))
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
        subscriptions=SubscriptionStore(boto3.client("dynamodb"), settings.subscriptions_table),
        send_once=send_once,
        idempotency=config,
        dead_letters=Queue(boto3.client("sqs"), settings.email_dlq_url),
    )


def handle_record(record: SQSRecord, deps: Dependencies, index: SubscriberIndex) -> None:
    event = DocumentCreated.model_validate_json(record.body)
    for subscription in index.recipients(event):
        if subscription.mode is not Mode.INSTANT:
            continue  # digests are assembled by the digest run from the documents table
        deps.send_once(
            key=AlertKey(event_id=event.id, subscription_id=subscription.subscription_id),
            event=event,
            subscription=subscription,
        )


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deps = dependencies()
    deps.idempotency.register_lambda_context(context)
    index = SubscriberIndex(deps.subscriptions, Channel.EMAIL)
    return process_partial_response(
        event=event,
        record_handler=dead_letter_on_last_attempt(partial(handle_record, deps=deps, index=index),
                                                   dlq=deps.dead_letters,
                                                   max_receives=deps.settings.max_receive_count),
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
