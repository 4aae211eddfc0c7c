"""DynamoDB stream (INSERT) -> `document.created` on the SNS topic, in batches of ten."""

from __future__ import annotations

from functools import cache
from typing import Any

from gazette.adapters.clients import aws_client
from gazette.adapters.messaging import Topic
from gazette.config import PublisherSettings
from gazette.observability import logger, metrics
from gazette.services.publish import publish_new_documents


@cache
def dependencies() -> tuple[Topic, str]:
    """The topic, and the public address each document's page is linked under."""
    settings = PublisherSettings()
    return Topic(aws_client("sns"), settings.documents_topic_arn), settings.public_base_url


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event.get("Records", [])
    topic, base_url = dependencies()
    failed = publish_new_documents(records, topic, base_url)
    published = sum(1 for r in records if r.get("eventName") == "INSERT") - len(failed)
    metrics.add_metric(name="DocumentsPublished", unit="Count", value=published)
    if failed:
        logger.warning("publications failed", count=len(failed))
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
