"""What the API's routes use, built once per Lambda container from ApiSettings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from gazette.adapters.blobs import BlobStore
from gazette.adapters.clients import aws_client
from gazette.adapters.delivery_log import DeliveryLog
from gazette.adapters.dynamo import DocumentIndex, DocumentStore, FeedStore
from gazette.adapters.mail import MailSender
from gazette.adapters.mail_state import SuppressionList
from gazette.adapters.messaging import Queue
from gazette.adapters.secrets import token_key
from gazette.adapters.subscription_store import SubscriptionStore
from gazette.config import ApiSettings


@dataclass(frozen=True)
class Dependencies:
    settings: ApiSettings
    subscriptions: SubscriptionStore
    suppression: SuppressionList
    documents: DocumentStore
    index: DocumentIndex
    feeds: FeedStore
    blobs: BlobStore
    mailer: MailSender
    webhook_queue: Queue
    delivery_log: DeliveryLog


@cache
def dependencies() -> Dependencies:
    settings = ApiSettings()
    dynamodb = aws_client("dynamodb")
    key = token_key(aws_client("secretsmanager"), settings.token_key_secret_arn)
    return Dependencies(
        settings=settings,
        subscriptions=SubscriptionStore(dynamodb, settings.subscriptions_table, token_key=key),
        suppression=SuppressionList(dynamodb, settings.subscriptions_table),
        documents=DocumentStore(dynamodb, settings.documents_table),
        index=DocumentIndex(dynamodb, settings.document_index_table, settings.documents_table),
        feeds=FeedStore(dynamodb, settings.feeds_table),
        blobs=BlobStore(aws_client("s3"), settings.documents_bucket),
        mailer=MailSender(aws_client("sesv2"), settings.ses_configuration_set or None),
        webhook_queue=Queue(aws_client("sqs"), settings.webhook_queue_url),
        delivery_log=DeliveryLog(dynamodb, settings.delivery_log_table),
    )
