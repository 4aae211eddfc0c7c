"""Messages between the stages (queue bodies) and the outbound `document.created` event.

Inbound and outbound messages are pydantic models kept apart from the domain objects and from the
stored items. The outbound event is versioned; its JSON schema is published under docs/schemas/.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_EVENT_BYTES = 20 * 1024


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class FeedJob(_Message):
    """scheduler -> poller: poll this feed once."""

    feed_id: str = Field(min_length=1, max_length=200)
    scheduled_at: datetime


class EntryMessage(_Message):
    """poller -> ingest: one new feed entry, claimed exactly once."""

    feed_id: str = Field(min_length=1, max_length=200)
    entry_id: str = Field(min_length=1, max_length=200)
    title: str = ""
    link: str | None = None
    summary: str = ""
    published: datetime | None = None
    doc_number: str | None = None  # the document's number (文号), where the list states it
    issuer: str | None = None  # the document's issuer as the list states it, else the source's
    language: str = "zh-Hans"
    fetch_link: bool = True


class EvidenceOut(_Message):
    term: str
    where: str
    count: int


class DocumentOut(_Message):
    id: str
    doc_number: str | None = None
    issuer: str | None = None
    title: str
    published: date | None = None
    url: str | None = Field(default=None, description="Where the document was published (its source).")
    page_url: str | None = Field(
        default=None, description="This document's page on this service: HTML for a browser, JSON for an API client.")
    feed_id: str
    language: str
    domains: list[str]
    scores: dict[str, float] = Field(default_factory=dict)
    evidence: dict[str, list[EvidenceOut]] = Field(default_factory=dict)
    summary: str = Field(default="", description="The opening of the text, at most 600 characters.")
    text_url: str | None = Field(
        default=None,
        description="Where the full text is kept (s3://bucket/key); absent when the summary is the whole text.",
    )


def document_page_url(base_url: str, doc_id: str) -> str | None:
    """The address of a document's own page, or None when the service's public address is unknown."""
    return f"{base_url.rstrip('/')}/documents/{doc_id}" if base_url else None


class DocumentCreated(_Message):
    """The public event: one per new document, on SNS and to webhooks. Version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="document.created", defer_build=True)

    type: Literal["document.created"] = "document.created"
    version: Literal["1"] = "1"
    id: str = Field(description="Stable event id: the same document always gives the same id.")
    occurred_at: datetime
    document: DocumentOut


class WebhookPing(_Message):
    type: Literal["ping"] = "ping"
    version: Literal["1"] = "1"
    id: str
    occurred_at: datetime


class WebhookDeliveryJob(_Message):
    """webhooks fan-out -> webhooks delivery: one event for one endpoint, retried on a schedule."""

    type: Literal["webhook.delivery"] = "webhook.delivery"
    delivery_id: str  # the webhook-id header: stable across retries
    subscription_id: str
    payload: str  # the exact JSON body that is signed and sent
    attempt: int = Field(default=0, ge=0)
    not_before: datetime | None = None
    replay: int = Field(default=0, ge=0)  # 0 for the original sending; a replay starts a new run of attempts
