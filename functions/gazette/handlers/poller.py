"""SQS feed jobs -> poll each feed once; new entries go to the entries queue."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from gazette.adapters import http
from gazette.adapters.clients import aws_client
from gazette.adapters.dynamo import EntryClaims, FeedStore
from gazette.adapters.messaging import Queue
from gazette.config import PollerSettings
from gazette.messages import FeedJob
from gazette.observability import logger, metrics
from gazette.services.poll import poll_feed


@dataclass(frozen=True)
class Dependencies:
    settings: PollerSettings
    feeds: FeedStore
    claims: EntryClaims
    entries: Queue


@cache
def dependencies() -> Dependencies:
    settings = PollerSettings()
    dynamodb = aws_client("dynamodb")
    return Dependencies(
        settings=settings,
        feeds=FeedStore(dynamodb, settings.feeds_table),
        claims=EntryClaims(dynamodb, settings.entries_table),
        entries=Queue(aws_client("sqs"), settings.entries_queue_url),
    )


def handle_record(record: SQSRecord, deps: Dependencies) -> None:
    job = FeedJob.model_validate_json(record.body)
    settings = deps.settings
    fetch = partial(
        http.fetch,
        timeout=(settings.fetch_connect_timeout, settings.fetch_read_timeout),
        max_bytes=settings.max_feed_bytes,
        allow_loopback=settings.allow_loopback,
    )
    outcome = poll_feed(
        job.feed_id, record.message_id, feeds=deps.feeds, claims=deps.claims, entries_queue=deps.entries,
        fetch=fetch, lease_seconds=settings.lease_seconds,
    )
    logger.info("feed polled", feed_id=job.feed_id, status=outcome.status, http_status=outcome.http_status,
                new_entries=outcome.new_entries, gap=outcome.gap, error=outcome.error)
    metrics.add_metric(name="FeedsPolled", unit="Count", value=1)
    if outcome.status == "unchanged":
        metrics.add_metric(name="FeedsUnchanged", unit="Count", value=1)
    if outcome.status in {"failed", "gone"}:
        metrics.add_metric(name="FeedFailures", unit="Count", value=1)
    if outcome.gap:
        metrics.add_metric(name="FeedGaps", unit="Count", value=1)
    if outcome.new_entries:
        metrics.add_metric(name="EntriesNew", unit="Count", value=outcome.new_entries)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deps = dependencies()
    return process_partial_response(
        event=event,
        record_handler=partial(handle_record, deps=deps),
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )
