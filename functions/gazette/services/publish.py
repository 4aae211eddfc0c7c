"""Turning new document items (DynamoDB stream INSERTs) into `document.created` events on SNS."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from gazette.adapters.dynamo import plain
from gazette.adapters.messaging import Publication, Topic
from gazette.messages import MAX_EVENT_BYTES, DocumentCreated, DocumentOut, EvidenceOut, document_page_url

EVENT_EVIDENCE = 5


def document_out(item: dict[str, Any], base_url: str = "") -> DocumentOut:
    """The public view of a stored item (its DynamoDB image); `base_url` is the service's public address."""
    data = plain(item)
    domains = list(data.get("domains", []))
    evidence = json.loads(data.get("evidence", "{}"))
    return DocumentOut(
        id=data["doc_id"],
        doc_number=data.get("doc_number"),
        issuer=data.get("issuer"),
        title=data["title"],
        published=data.get("published"),
        url=data.get("url"),
        page_url=document_page_url(base_url, data["doc_id"]),
        feed_id=data["feed_id"],
        language=data.get("language", "zh-Hans"),
        domains=domains,
        scores={domain: round(score, 3) for domain, score in json.loads(data.get("scores", "{}")).items()},
        # The event explains the domains chosen; the stored item keeps the evidence for all of them.
        evidence={domain: [EvidenceOut(**e) for e in evidence[domain][:EVENT_EVIDENCE]]
                  for domain in domains if domain in evidence},
        summary=data.get("summary", ""),
        text_url=data.get("text_url"),
    )


def document_event(document: DocumentOut, now: datetime | None = None) -> DocumentCreated:
    return _event_and_body(document, now)[0]


def _event_and_body(document: DocumentOut, now: datetime | None = None) -> tuple[DocumentCreated, str]:
    """The event and its JSON, serialised once (the size check's JSON is the body published)."""
    event = DocumentCreated(
        id=f"evt_{document.id.removeprefix('doc_')}",
        occurred_at=now or datetime.now(UTC),
        document=document,
    )
    body = event.model_dump_json()
    if len(body.encode("utf-8")) > MAX_EVENT_BYTES:
        # Only the summary can make it large: trim it, the full text stays behind text_url.
        trimmed = document.model_copy(update={"summary": document.summary[:200], "evidence": {}})
        event = event.model_copy(update={"document": trimmed})
        body = event.model_dump_json()
    return event, body


def publication(event: DocumentCreated, record_id: str, body: str | None = None) -> Publication:
    """`body` is the event's JSON when the caller has it already."""
    document = event.document
    return Publication(
        id=record_id,
        body=body if body is not None else event.model_dump_json(),
        string_attributes={
            "type": event.type,
            "language": document.language,
            "issuer": (document.issuer or "")[:256],
            "feed": document.feed_id,
        },
        array_attributes={"domains": document.domains},
        number_attributes={"domain_count": len(document.domains)},
    )


def publish_new_documents(records: list[dict[str, Any]], topic: Topic, base_url: str = "") -> list[str]:
    """Publishes one event per INSERT record; returns the sequence numbers that must be retried."""
    publications = []
    for record in records:
        if record.get("eventName") != "INSERT":
            continue
        image = record["dynamodb"]["NewImage"]
        event, body = _event_and_body(document_out(image, base_url))
        publications.append(publication(event, record["dynamodb"]["SequenceNumber"], body))
    return topic.publish_all(publications)
