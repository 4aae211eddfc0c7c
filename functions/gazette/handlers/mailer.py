"""SQS (from SNS) document events -> alert mails to matching confirmed email subscriptions, once each.

Each record is read and matched on its own (a bad record fails alone, and goes to the DLQ with its
reason on its last attempt); the batch is then mailed together: one mail per subscription listing
the batch's documents for it, every (document, subscription) pair claimed by a conditional write
so a redelivered message sends nothing twice. Digest subscriptions get the documents queued for
their period; suppressed addresses (permanent bounces, complaints) get no SES call at all.

Subscribers and suppressions are read once per domain or address and kept for a minute by the
warm function: a subscription change takes effect within that minute.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from gazette.adapters.blobs import BlobStore
from gazette.adapters.claims import DeliveryClaims
from gazette.adapters.clients import aws_client, lazy_client
from gazette.adapters.errors import StoreError
from gazette.adapters.mail import MailSender
from gazette.adapters.mail_state import DigestStore, SuppressionList
from gazette.adapters.messaging import Queue
from gazette.adapters.secrets import token_key
from gazette.adapters.subscription_store import SubscriptionStore
from gazette.config import MailerSettings
from gazette.domain.labels import domain_labels
from gazette.domain.render import DocumentParts
from gazette.domain.subscriptions import Channel, Subscription
from gazette.handlers.batch import dead_letter_on_last_attempt
from gazette.messages import DocumentCreated
from gazette.observability import logger, metrics
from gazette.services.alerts import Matched, plan_alerts, send_instant
from gazette.services.notify import SubscriberIndex, alert_mail


@dataclass
class Dependencies:
    settings: MailerSettings
    subscriptions: SubscriptionStore
    sender: MailSender
    claims: DeliveryClaims
    dead_letters: Queue
    suppression: SuppressionList
    digests: DigestStore
    blobs: BlobStore
    index: SubscriberIndex | None = None
    index_built: float = 0.0
    suppressed: dict[str, tuple[bool, float]] = field(default_factory=dict)


@cache
def dependencies() -> Dependencies:
    settings = MailerSettings()
    dynamodb = aws_client("dynamodb")
    key = token_key(aws_client("secretsmanager"), settings.token_key_secret_arn)
    return Dependencies(
        settings=settings,
        subscriptions=SubscriptionStore(dynamodb, settings.subscriptions_table, token_key=key),
        sender=MailSender(aws_client("sesv2"), settings.ses_configuration_set or None),
        claims=DeliveryClaims(dynamodb, settings.idempotency_table),
        dead_letters=Queue(lazy_client("sqs"), settings.email_dlq_url),
        suppression=SuppressionList(dynamodb, settings.subscriptions_table),
        digests=DigestStore(dynamodb, settings.subscriptions_table),
        blobs=BlobStore(lazy_client("s3"), settings.documents_bucket),
    )


def subscriber_index(deps: Dependencies, now: float) -> SubscriberIndex:
    if deps.index is None or now - deps.index_built > deps.settings.subscriber_cache_seconds:
        deps.index = SubscriberIndex(deps.subscriptions, Channel.EMAIL, text_loader=deps.blobs.get_url)
        deps.index_built = now
    return deps.index


def suppressed_among(deps: Dependencies, addresses: set[str], now: float) -> set[str]:
    """Suppressed addresses of this batch: one read for the ones not seen in the last minute."""
    ttl = deps.settings.subscriber_cache_seconds
    unknown = {a for a in addresses if a not in deps.suppressed or now - deps.suppressed[a][1] > ttl}
    if unknown:
        found = deps.suppression.suppressed(unknown)
        deps.suppressed.update({address: (address in found, now) for address in unknown})
    return {address for address in addresses if deps.suppressed[address][0]}


def match_record(record: SQSRecord, index: SubscriberIndex, matched: list[Matched]) -> None:
    event = DocumentCreated.model_validate_json(record.body)
    matched.append(Matched(record.message_id, event, index.recipients(event)))


def render_for(deps: Dependencies, parts: DocumentParts, events: list[DocumentCreated], subscription: Subscription):
    return alert_mail(events, subscription, sender=deps.settings.sender_address,
                      base_url=deps.settings.public_base_url, labels=domain_labels, parts=parts)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deps = dependencies()
    now = time.time()
    index = subscriber_index(deps, now)
    matched: list[Matched] = []
    response = process_partial_response(
        event=event,
        record_handler=dead_letter_on_last_attempt(partial(match_record, index=index, matched=matched),
                                                   dlq=deps.dead_letters,
                                                   max_receives=deps.settings.max_receive_count),
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
    if not matched:
        return response
    failed: set[str] = set()
    try:
        addresses = {s.target for m in matched for s in m.recipients}
        plan = plan_alerts(matched, suppressed_among(deps, addresses, now) if addresses else set())
        if plan.digest:
            deps.digests.add(plan.digest)
        result = send_instant(plan, claims=deps.claims, render=partial(render_for, deps, DocumentParts()),
                              send=deps.sender.send,
                              now=now)
    except StoreError:
        logger.exception("alert batch failed", records=len(matched))
        failed = {m.record_id for m in matched}
    else:
        failed = result.failed_records
        logger.info("alerts mailed", mails=result.mails, documents=result.documents, digest_items=len(plan.digest),
                    suppressed=plan.suppressed, already_sent=result.skipped_pairs, failed=len(failed))
        metrics.add_metric(name="MailsSent", unit="Count", value=result.mails)
        metrics.add_metric(name="MailsSuppressed", unit="Count", value=plan.suppressed)
        metrics.add_metric(name="DigestItemsQueued", unit="Count", value=len(plan.digest))
    response["batchItemFailures"].extend({"itemIdentifier": record_id} for record_id in sorted(failed))
    return response
