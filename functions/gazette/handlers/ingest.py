"""SQS entries -> documents: fetch, extract, split, classify, store each document exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from gazette.adapters import http
from gazette.adapters.blobs import BlobStore
from gazette.adapters.dynamo import DocumentIndex, DocumentStore
from gazette.adapters.messaging import Queue
from gazette.config import IngestSettings
from gazette.domain.classify import default_classifier
from gazette.handlers.batch import dead_letter_on_last_attempt
from gazette.messages import EntryMessage
from gazette.observability import logger, metrics
from gazette.services.ingest import ingest_entry


@dataclass(frozen=True)
class Dependencies:
    settings: IngestSettings
    documents: DocumentStore
    index: DocumentIndex
    blobs: BlobStore
    dead_letters: Queue


@cache
def dependencies() -> Dependencies:
    settings = IngestSettings()
    dynamodb = boto3.client("dynamodb")
    return Dependencies(
        settings=settings,
        documents=DocumentStore(dynamodb, settings.documents_table),
        index=DocumentIndex(dynamodb, settings.document_index_table),
        blobs=BlobStore(boto3.client("s3"), settings.documents_bucket),
        dead_letters=Queue(boto3.client("sqs"), settings.entries_dlq_url),
    )


def handle_record(record: SQSRecord, deps: Dependencies) -> None:
    entry = EntryMessage.model_validate_json(record.body)
    settings = deps.settings
    fetch = partial(
        http.fetch,
        timeout=(settings.fetch_connect_timeout, settings.fetch_read_timeout),
        max_bytes=settings.max_document_bytes,
        allow_loopback=settings.allow_loopback,
    )
    outcome = ingest_entry(entry, fetch=fetch, documents=deps.documents, blobs=deps.blobs,
                           classify=default_classifier().classify, index=deps.index)
    logger.info("entry ingested", feed_id=entry.feed_id, entry_id=entry.entry_id,
                extraction=outcome.extraction, documents_created=[r.doc_id for r in outcome.created],
                duplicates=outcome.duplicates)
    for record_ in outcome.created:
        for domain in record_.classification.domains or ("none",):
            metrics.add_metric(name=f"DocumentsStored_{domain}", unit="Count", value=1)
    metrics.add_metric(name="DocumentsStored", unit="Count", value=len(outcome.created))


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deps = dependencies()
    return process_partial_response(
        event=event,
        record_handler=dead_letter_on_last_attempt(partial(handle_record, deps=deps), dlq=deps.dead_letters,
                                                   max_receives=deps.settings.max_receive_count),
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
