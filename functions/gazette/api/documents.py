"""Browsing what was published: listings read date-ordered index rows with queries (never a scan)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel

from gazette.api import listing, web
from gazette.api.deps import Dependencies, dependencies
from gazette.api.errors import NotFound
from gazette.api.models import (
    Cursor,
    DocumentDetail,
    DocumentPage,
    DocumentSummary,
    DomainName,
    ErrorOut,
    EvidenceOut,
    FeedId,
    IsoDate,
    Issuer,
)

router = Router()

TAGS = ["documents"]
PageLanguage = Annotated[Literal["zh", "en"] | None, Query(description="The page's language (text/html only).")]
DocumentId = Annotated[str, Path(pattern=r"^doc_[0-9a-f]{32}$", description="A document id, `doc_` and 32 hex digits.")]
NOT_FOUND = {404: {"description": "No such document.", "content": {"application/json": {"model": ErrorOut}}}}
UNAVAILABLE = {503: {"description": "The store is briefly unavailable; retry.",
                     "content": {"application/json": {"model": ErrorOut}}}}


def _json(model: BaseModel) -> Response:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=model.model_dump_json())


def _summary(row: dict[str, Any]) -> DocumentSummary:
    published = row.get("published")
    return DocumentSummary(
        id=row["doc_id"], title=row.get("title", ""), doc_number=row.get("doc_number"), issuer=row.get("issuer"),
        published=date.fromisoformat(published[:10]) if published else None, feed_id=row.get("feed_id", ""),
        language=row.get("language"), domains=list(row.get("domains") or []), summary=row.get("summary", ""),
        url=f"/documents/{row['doc_id']}",
    )


@router.get(
    "/documents", tags=TAGS, summary="Documents, newest first, by domain, feed or issuer, dates and title text",
    responses={200: {"description": "A page of documents.", "content": {"application/json": {"model": DocumentPage}}},
               **UNAVAILABLE},
)
def list_documents(
    domain: Annotated[DomainName | Literal["none"] | None, Query(description="`none`: documents in no domain.")] = None,
    feed: Annotated[FeedId | None, Query()] = None,
    issuer: Annotated[Issuer | None, Query()] = None,
    since: Annotated[IsoDate | None, Query(description="Published on or after (YYYY-MM-DD).")] = None,
    until: Annotated[IsoDate | None, Query(description="Published on or before (YYYY-MM-DD).")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100, description=(
        "Text the title holds. It narrows the listing chosen by the other filters, page by page; "
        "it is not a full-text index."))] = None,
    limit: Annotated[int, Query(ge=1, le=100, description=(
        "At most this many documents. Filters other than domain, feed or issuer and dates are applied "
        "to the rows read, and a page reads at most five index pages, so a page may hold fewer."))] = 20,
    cursor: Annotated[Cursor | None, Query(description="`next_cursor` of the previous page.")] = None,
):
    filters = listing.Filters(domain=domain, feed=feed, issuer=issuer, since=since, until=until, q=q)
    found = listing.find(dependencies().index, filters, limit=limit, cursor=cursor)
    return _json(DocumentPage(items=[_summary(row) for row in found.rows], next_cursor=found.next_cursor))


def _evidence(item: dict[str, Any]) -> dict[str, list[EvidenceOut]]:
    try:
        raw = json.loads(item.get("evidence") or "{}")
    except ValueError:
        return {}
    return {domain: [EvidenceOut(term=str(e["term"]), where=str(e["where"]), count=int(e.get("count", 1)))
                     for e in entries] for domain, entries in raw.items()}


def _scores(item: dict[str, Any]) -> dict[str, float]:
    try:
        return {domain: float(score) for domain, score in json.loads(item.get("scores") or "{}").items()}
    except ValueError:
        return {}


@router.get(
    "/documents/<doc_id>", tags=TAGS,
    summary="One document with the evidence for its domains (a web page when asked for text/html)",
    responses={200: {"description": "The document: JSON, or its page for a browser (`Accept: text/html`).",
                     "content": {"application/json": {"model": DocumentDetail},
                                 "text/html": {"schema": {"type": "string"}}}},
               **NOT_FOUND, **UNAVAILABLE},
)
def get_document(doc_id: DocumentId, lang: PageLanguage = None):
    deps = dependencies()
    item = deps.documents.get(doc_id)
    if item is None:
        raise NotFound("No such document.")
    detail = _detail(doc_id, item)
    event = router.current_event
    if not web.wants_html(event):
        return _json(detail)
    from gazette.api.atom import atom_link
    from gazette.domain.labels import domain_labels

    locale = web.pick_locale(event, lang)
    labels = domain_labels(locale)
    feeds = [{"title": web.TEXTS[locale]["atom_domain"].format(label=labels.get(domain, domain)),
              "href": atom_link(listing.Filters(domain=domain), locale)} for domain in detail.domains]
    return web.page(event, "document", locale=locale, doc=detail, text=_full_text(deps, item), atom_feeds=feeds)


def _detail(doc_id: str, item: dict[str, Any]) -> DocumentDetail:
    published = item.get("published")
    source = item.get("url")
    return DocumentDetail(
        id=doc_id, title=item.get("title", ""), doc_number=item.get("doc_number"), issuer=item.get("issuer"),
        published=date.fromisoformat(published[:10]) if published else None, feed_id=item.get("feed_id", ""),
        language=item.get("language"), domains=list(item.get("domains") or []), scores=_scores(item),
        evidence=_evidence(item), summary=item.get("summary", ""),
        source_url=source if source and source.startswith(("http://", "https://")) else None,
        text_url=f"/documents/{doc_id}/text", created_at=item.get("created_at"),
    )


def _full_text(deps: Dependencies, item: dict[str, Any]) -> str | None:
    """The document's own text: inline when short (its summary is all of it), else from the bucket."""
    if "text_url" not in item:
        return item.get("summary", "")
    if str(item["text_url"]).startswith(f"s3://{deps.blobs.bucket}/"):
        return deps.blobs.get_text(item["text_url"].removeprefix(f"s3://{deps.blobs.bucket}/"))
    return None


@router.get(
    "/documents/<doc_id>/text", tags=TAGS, summary="The full text of a document, as plain text",
    responses={200: {"description": "The text.", "content": {"text/plain": {"schema": {"type": "string"}}}},
               **NOT_FOUND, **UNAVAILABLE},
)
def get_text(doc_id: DocumentId):
    deps = dependencies()
    item = deps.documents.get(doc_id)
    if item is None:
        raise NotFound("No such document.")
    text = _full_text(deps, item)
    if text is None:
        raise NotFound("No such document.")
    return Response(status_code=200, content_type="text/plain; charset=utf-8", body=text,
                    headers={"X-Content-Type-Options": "nosniff"})
