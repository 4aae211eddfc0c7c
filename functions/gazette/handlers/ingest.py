"""SQS entries -> documents: fetch, extract, split, classify, store each document exactly once.

Each document is fetched as politely as the poller fetches lists: through its host's slot and row
(one request at a time, the host's minimum interval), only where robots.txt allows it, with the
deployment's User-Agent.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from gazette.adapters import http
from gazette.adapters.blobs import BlobStore
from gazette.adapters.clients import aws_client, lazy_client
from gazette.adapters.dynamo import DocumentIndex, DocumentStore, HostGate, HostRobots
from gazette.adapters.errors import StoreError
from gazette.adapters.messaging import Queue
from gazette.config import IngestSettings
from gazette.domain.classify import default_classifier
from gazette.handlers.batch import dead_letter_on_last_attempt
from gazette.messages import EntryMessage
from gazette.observability import logger, metrics
from gazette.services.ingest import PreparedEntry, prepare_entry, store_prepared
from gazette.services.politeness import HostBusy, Politeness, RobotsCache, polite_fetcher


@dataclass(frozen=True)
class Dependencies:
    settings: IngestSettings
    documents: DocumentStore
    index: DocumentIndex
    blobs: BlobStore
    dead_letters: Queue
    politeness: Politeness
    robots: RobotsCache


@cache
def dependencies() -> Dependencies:
    settings = IngestSettings()
    dynamodb = aws_client("dynamodb")
    return Dependencies(
        settings=settings,
        documents=DocumentStore(dynamodb, settings.documents_table),
        index=DocumentIndex(dynamodb, settings.document_index_table, settings.documents_table),
        blobs=BlobStore(aws_client("s3"), settings.documents_bucket),
        dead_letters=Queue(lazy_client("sqs"), settings.entries_dlq_url),
        # One per container, as in the poller: the same host rows, interval and robots.txt cache,
        # the last kept on the host's row too, where the poller reads and writes it.
        politeness=Politeness(HostGate(dynamodb, settings.feeds_table), interval=settings.host_min_interval,
                              max_wait=settings.host_max_wait, hold=settings.fetch_read_timeout * 2),
        robots=RobotsCache(ttl=settings.robots_ttl, store=HostRobots(dynamodb, settings.feeds_table)),
    )


def prepare_record(record: SQSRecord, deps: Dependencies, prepared: dict[str, PreparedEntry]) -> None:
    entry = EntryMessage.model_validate_json(record.body)
    settings = deps.settings
    fetch = partial(
        http.fetch,
        timeout=(settings.fetch_connect_timeout, settings.fetch_read_timeout),
        max_bytes=settings.max_document_bytes,
        allow_loopback=settings.allow_loopback,
        user_agent=settings.user_agent,
    )
    polite = polite_fetcher(deps.politeness, deps.robots, fetch, owner=record.message_id)
    prepared[record.message_id] = prepare_entry(entry, fetch=polite, classify=default_classifier().classify)
    for kept_whole in prepared[record.message_id].records:
        if kept_whole.split_warning:
            logger.warning("issue kept whole: layout not placed", feed_id=entry.feed_id,
                           entry_id=entry.entry_id, reason=kept_whole.split_warning)


def prepare_or_put_off(record: SQSRecord, deps: Dependencies, prepared: dict[str, PreparedEntry],
                       put_off: list[str]) -> None:
    """A host busy past the wait budget is not the entry's fault: it is retried, never dead-lettered."""
    try:
        prepare_record(record, deps, prepared)
    except HostBusy as busy:
        logger.info("entry put off: host busy", message_id=record.message_id, host=busy.host)
        put_off.append(record.message_id)


def store_batch(prepared: dict[str, PreparedEntry], deps: Dependencies) -> list[str]:
    """Stores every prepared entry together; returns the message ids to retry if the store failed."""
    if not prepared:
        return []
    try:
        outcomes = store_prepared(list(prepared.values()), documents=deps.documents, blobs=deps.blobs,
                                  index=deps.index)
    except StoreError:
        logger.exception("storing documents failed", entries=len(prepared))
        return list(prepared)
    # One line and one value per metric for the batch, each entry still listed with its outcome.
    logger.info("entries ingested", entries=[
        {"feed_id": entry.entry.feed_id, "entry_id": outcome.entry_id, "extraction": outcome.extraction,
         "documents_created": [r.doc_id for r in outcome.created], "duplicates": outcome.duplicates}
        for outcome, entry in zip(outcomes, prepared.values(), strict=True)])
    by_domain = Counter(domain for outcome in outcomes for stored in outcome.created
                        for domain in stored.classification.domains or ("none",))
    for domain, count in sorted(by_domain.items()):
        metrics.add_metric(name=f"DocumentsStored_{domain}", unit="Count", value=count)
    metrics.add_metric(name="DocumentsStored", unit="Count", value=sum(len(o.created) for o in outcomes))
    return []


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Reading and splitting fail per record (partial batch response); storing is one step for all."""
    deps = dependencies()
    prepared: dict[str, PreparedEntry] = {}
    put_off: list[str] = []
    response = process_partial_response(
        event=event,
        record_handler=dead_letter_on_last_attempt(partial(prepare_or_put_off, deps=deps, prepared=prepared,
                                                           put_off=put_off),
                                                   dlq=deps.dead_letters,
                                                   max_receives=deps.settings.max_receive_count),
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
    failed = put_off + store_batch(prepared, deps)
    response["batchItemFailures"].extend({"itemIdentifier": message_id} for message_id in failed)
    return response
