"""Scheduled daily: send the digests of the periods that have closed (yesterday; last week on Mondays).

A retried run never sends twice: each (subscription, period) mail is an idempotent call, and a sent
digest's items are cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from pydantic import BaseModel

from gazette.adapters.clients import aws_client
from gazette.adapters.mail import MailSender
from gazette.adapters.mail_state import DigestStore, PendingDigest, SuppressionList
from gazette.adapters.secrets import token_key
from gazette.adapters.subscription_store import SubscriptionStore
from gazette.config import DigestSettings
from gazette.domain.digest import closed_periods
from gazette.domain.labels import domain_labels
from gazette.domain.subscriptions import Subscription
from gazette.messages import DocumentOut
from gazette.observability import logger, metrics, redact_email
from gazette.services.digest import digest_mail, send_digests


class DigestKey(BaseModel):
    subscription_id: str
    period: str


@dataclass(frozen=True)
class Dependencies:
    digests: DigestStore
    subscriptions: SubscriptionStore
    suppression: SuppressionList
    send_once: Any
    idempotency: IdempotencyConfig


@cache
def dependencies() -> Dependencies:
    settings = DigestSettings()
    dynamodb = aws_client("dynamodb")
    key = token_key(aws_client("secretsmanager"), settings.token_key_secret_arn)
    sender = MailSender(aws_client("sesv2"), settings.ses_configuration_set or None)
    config = IdempotencyConfig(expires_after_seconds=30 * 86400)
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table, boto3_client=dynamodb)

    @idempotent_function(data_keyword_argument="key", persistence_store=persistence, config=config)
    def mail(*, key: DigestKey, subscription: Subscription, documents: list[DocumentOut]) -> dict[str, str]:
        message = digest_mail(subscription, documents, period=key.period, sender=settings.sender_address,
                              base_url=settings.public_base_url, labels=domain_labels(subscription.locale))
        message_id = sender.send(message)
        logger.info("digest mailed", subscription_id=subscription.subscription_id, period=key.period,
                    documents=len(documents), recipient=redact_email(subscription.target))
        metrics.add_metric(name="DigestsSent", unit="Count", value=1)
        return {"message_id": message_id}

    def send_once(*, digest: PendingDigest, subscription: Subscription, documents: list[DocumentOut]) -> object:
        return mail(key=DigestKey(subscription_id=digest.subscription_id, period=digest.period),
                    subscription=subscription, documents=documents)

    return Dependencies(DigestStore(dynamodb, settings.subscriptions_table),
                        SubscriptionStore(dynamodb, settings.subscriptions_table, token_key=key),
                        SuppressionList(dynamodb, settings.subscriptions_table), send_once, config)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deps = dependencies()
    deps.idempotency.register_lambda_context(context)
    periods = event.get("periods") or closed_periods(datetime.now(UTC))
    run = send_digests(list(periods), digests=deps.digests, subscriptions=deps.subscriptions,
                       suppression=deps.suppression, send_once=deps.send_once)
    logger.info("digests run", periods=run.periods, sent=run.sent, skipped=run.skipped)
    return {"periods": run.periods, "sent": run.sent, "skipped": run.skipped}
