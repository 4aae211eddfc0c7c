"""Scheduled: enqueue one poll job per due feed, so feeds are polled in parallel invocations."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from gazette.adapters.clients import aws_client
from gazette.adapters.dynamo import FeedStore
from gazette.adapters.messaging import OutgoingMessage, Queue
from gazette.config import SchedulerSettings
from gazette.messages import FeedJob
from gazette.observability import logger, metrics


@cache
def dependencies() -> tuple[FeedStore, Queue]:
    settings = SchedulerSettings()
    return (
        FeedStore(aws_client("dynamodb"), settings.feeds_table),
        Queue(aws_client("sqs"), settings.feed_jobs_queue_url),
    )


def enqueue_due_feeds(feeds: FeedStore, jobs: Queue, now: datetime) -> int:
    due = feeds.due_feeds(now.timestamp())
    jobs.send_all([
        OutgoingMessage(id=feed_id, body=FeedJob(feed_id=feed_id, scheduled_at=now).model_dump_json())
        for feed_id in due
    ])
    return len(due)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    feeds, jobs = dependencies()
    count = enqueue_due_feeds(feeds, jobs, datetime.now(UTC))
    metrics.add_metric(name="FeedsDue", unit="Count", value=count)
    logger.info("due feeds enqueued", count=count)
    return {"enqueued": count}
