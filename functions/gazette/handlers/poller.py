"""SQS feed jobs -> poll each feed once, the batch's feeds at the same time; new entries go to the
entries queue. A job that fails (or has not finished when the batch must answer) is named in the
partial batch response and retried alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from pydantic import ValidationError

from gazette.adapters import http
from gazette.adapters.clients import aws_client
from gazette.adapters.dynamo import EntryClaims, FeedStore, HostGate, HostRobots
from gazette.adapters.messaging import Queue
from gazette.config import PollerSettings
from gazette.messages import FeedJob
from gazette.observability import logger, metrics
from gazette.services.politeness import Politeness
from gazette.services.poll import PollJob, PollOutcome, poll_batch, poll_feed


@dataclass(frozen=True)
class Dependencies:
    settings: PollerSettings
    feeds: FeedStore
    claims: EntryClaims
    entries: Queue
    politeness: Politeness
    robots: HostRobots  # each host's robots.txt, shared with the other sources on it and with ingest


@cache
def dependencies() -> Dependencies:
    settings = PollerSettings()
    dynamodb = aws_client("dynamodb")
    return Dependencies(
        settings=settings,
        feeds=FeedStore(dynamodb, settings.feeds_table),
        claims=EntryClaims(dynamodb, settings.entries_table),
        entries=Queue(aws_client("sqs"), settings.entries_queue_url),
        # One per container: its per-host locks are shared by every poll this process runs.
        politeness=Politeness(HostGate(dynamodb, settings.feeds_table), interval=settings.host_min_interval,
                              max_wait=settings.host_max_wait, hold=float(settings.lease_seconds)),
        robots=HostRobots(dynamodb, settings.feeds_table),
    )


def poll_one(job: PollJob, time_left: Callable[[], float], deps: Dependencies) -> PollOutcome:
    settings = deps.settings
    fetch = partial(
        http.fetch,
        timeout=(settings.fetch_connect_timeout, settings.fetch_read_timeout),
        max_bytes=settings.max_feed_bytes,
        allow_loopback=settings.allow_loopback,
        user_agent=settings.user_agent,
    )
    return poll_feed(
        job.feed_id, job.owner, feeds=deps.feeds, claims=deps.claims, entries_queue=deps.entries,
        fetch=fetch, lease_seconds=settings.lease_seconds, politeness=deps.politeness,
        robots_ttl=settings.robots_ttl, robots_store=deps.robots, time_left=time_left,
    )


def report(outcome: PollOutcome) -> None:
    logger.info("feed polled", feed_id=outcome.feed_id, status=outcome.status, http_status=outcome.http_status,
                new_entries=outcome.new_entries, seen_entries=outcome.seen_entries, gap=outcome.gap,
                error=outcome.error, requests=outcome.requests)
    if outcome.status == "baseline":
        logger.info("source baseline recorded, nobody alerted", feed_id=outcome.feed_id,
                    seen_entries=outcome.seen_entries)
    metrics.add_metric(name="FeedsPolled", unit="Count", value=1)
    if outcome.status == "unchanged":
        metrics.add_metric(name="FeedsUnchanged", unit="Count", value=1)
    # Broken and blocked sources count as failing too: the failing-sources alarm watches them all.
    if outcome.status in {"failed", "gone", "broken", "blocked"}:
        metrics.add_metric(name="FeedFailures", unit="Count", value=1)
    if outcome.status == "broken":
        metrics.add_metric(name="SourcesBroken", unit="Count", value=1)
    if outcome.status == "blocked":
        metrics.add_metric(name="SourcesBlocked", unit="Count", value=1)
    if outcome.gap:
        metrics.add_metric(name="FeedGaps", unit="Count", value=1)
    if outcome.new_entries:
        metrics.add_metric(name="EntriesNew", unit="Count", value=outcome.new_entries)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deps = dependencies()
    failed: list[str] = []
    jobs: list[PollJob] = []
    for record in event["Records"]:
        try:
            jobs.append(PollJob(record["messageId"], FeedJob.model_validate_json(record["body"]).feed_id))
        except ValidationError as exc:
            logger.error("feed job unreadable", message_id=record["messageId"], error=str(exc)[:500])
            failed.append(record["messageId"])
    results = poll_batch(jobs, partial(poll_one, deps=deps), workers=deps.settings.poll_workers,
                         seconds=context.get_remaining_time_in_millis() / 1000)
    # Logs and metrics from this thread only: the polls' threads have ended or are abandoned.
    for job in jobs:
        outcome = results[job.owner]
        if isinstance(outcome, PollOutcome):
            report(outcome)
        else:
            logger.error("feed poll failed", feed_id=job.feed_id, message_id=job.owner,
                         error=f"{type(outcome).__name__}: {outcome}"[:500])
            failed.append(job.owner)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
