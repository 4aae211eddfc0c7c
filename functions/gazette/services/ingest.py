"""Ingesting one feed entry: fetch what it links to, extract, split, classify, store each document once.

The document id is derived from the document itself (issuer and number, else its text), and one
conditional write per document decides whether it is new; a document met again only gains a source.

A link the site's robots.txt disallows is not fetched: the entry is kept as the list or feed gave it
(title, link, date, any summary), its extraction recorded as `ROBOTS_DISALLOWED`, so the user is
still alerted and the reason is kept with the document.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from gazette.adapters.blobs import BlobStore
from gazette.adapters.dynamo import DocumentIndex, DocumentStore, n, s
from gazette.adapters.http import FetchResult
from gazette.domain.detail import page_metadata, with_page_metadata
from gazette.domain.documents import DocumentRecord, build_record
from gazette.domain.extract import extract_text
from gazette.domain.model import Classification, SplitDocument
from gazette.domain.render import plain_text
from gazette.domain.split import split_issue
from gazette.messages import EntryMessage
from gazette.services.politeness import RobotsDisallowed

GONE = {404, 410}
ROBOTS_DISALLOWED = "feed:summary (robots.txt disallows the link)"


class EntryUnavailable(RuntimeError):
    """The entry's link could not be read and there is no summary to keep instead."""


@dataclass
class IngestOutcome:
    entry_id: str
    created: list[DocumentRecord]
    duplicates: list[str]
    extraction: str


def entry_documents(entry: EntryMessage, fetch: Callable[..., FetchResult] | None) -> tuple[list[SplitDocument], str]:
    """The documents an entry holds, and which extractor produced their text."""
    summary_text = plain_text(entry.summary)
    fallback = "feed:summary"
    if entry.fetch_link and entry.link and fetch is not None:
        result: FetchResult | None
        try:
            result = fetch(entry.link)
        except RobotsDisallowed:
            result, fallback = None, ROBOTS_DISALLOWED  # kept from what the list gave, reason recorded
        if result is not None and 200 <= result.status < 300:
            extracted = extract_text(
                result.body, result.headers.get("content-type"), urlsplit(result.url).path or None
            )
            documents = split_issue(extracted.text)
            if len(documents) == 1 and not documents[0].doc_number and entry.title:
                documents = [_with_title(documents[0], entry.title)]
            if len(documents) == 1 and extracted.method.startswith("html:"):
                documents = [with_page_metadata(documents[0], page_metadata(result.body, result.headers))]
            if len(documents) == 1:
                documents = [_with_listed(documents[0], entry)]
            if documents:
                return documents, extracted.method
        elif result is not None and (result.status not in GONE or not (summary_text or entry.title)):
            raise EntryUnavailable(f"link answered HTTP {result.status}")
    if not (summary_text or entry.title):
        raise EntryUnavailable("entry has neither a readable link nor a summary")
    published = entry.published.date() if entry.published else None
    documents = split_issue(summary_text) if summary_text else []
    if len(documents) == 1 and not documents[0].doc_number and not documents[0].split_warning:
        documents = []
    if not documents:
        documents = [SplitDocument(title=entry.title or summary_text[:60], text=summary_text,
                                   doc_number=entry.doc_number, issuer=entry.issuer, published=published)]
    return documents, fallback


def _with_listed(doc: SplitDocument, entry: EntryMessage) -> SplitDocument:
    """A lone document with the number and issuer its list stated where its page and text gave none."""
    if not entry.doc_number or doc.doc_number:
        return doc
    return SplitDocument(title=doc.title, text=doc.text, doc_number=entry.doc_number,
                         issuer=doc.issuer or entry.issuer, published=doc.published,
                         split_warning=doc.split_warning)


def _with_title(doc: SplitDocument, title: str) -> SplitDocument:
    return SplitDocument(title=title, text=doc.text, doc_number=doc.doc_number, issuer=doc.issuer,
                         published=doc.published, split_warning=doc.split_warning)


def document_item(record: DocumentRecord, text_url: str | None, now: datetime) -> dict[str, Any]:
    """The stored item: small fields inline, the full text in S3 unless the summary already holds it."""
    classification = record.classification
    item: dict[str, Any] = {
        "doc_id": s(record.doc_id),
        "feed_id": s(record.feed_id),
        "entry_id": s(record.entry_id),
        "title": s(record.title),
        "language": s(record.language),
        "domains": {"L": [s(domain) for domain in classification.domains]},
        "domain_count": n(len(classification.domains)),
        "scores": s(json.dumps(classification.scores, ensure_ascii=False)),
        "evidence": s(json.dumps(
            {
                domain: [{"term": e.term, "where": e.where, "count": e.count} for e in items[:8]]
                for domain, items in classification.evidence.items()
            },
            ensure_ascii=False,
        )),
        "summary": s(record.summary),
        "content_hash": s(record.hash),
        "extraction": s(record.extraction),
        "created_at": s(now.isoformat()),
        "sources": {"SS": [f"{record.feed_id}/{record.entry_id}"]},
    }
    for key, value in (("doc_number", record.doc_number), ("issuer", record.issuer), ("url", record.url),
                       ("text_url", text_url), ("split_warning", record.split_warning)):
        if value:
            item[key] = s(value)
    if record.published:
        item["published"] = s(record.published.isoformat())
    return item


@dataclass
class PreparedEntry:
    """An entry read, split and classified, not yet stored."""

    entry: EntryMessage
    records: list[DocumentRecord]
    extraction: str


def prepare_entry(entry: EntryMessage, *, fetch: Callable[..., FetchResult] | None,
                  classify: Callable[..., Classification]) -> PreparedEntry:
    split, extraction = entry_documents(entry, fetch)
    records: dict[str, DocumentRecord] = {}
    for doc in split:
        classification = classify(doc.title, doc.text, doc.doc_number)
        record = build_record(
            doc, feed_id=entry.feed_id, entry_id=entry.entry_id, url=entry.link, language=entry.language,
            classification=classification, extraction=extraction, issuer_fallback=None,
        )
        records.setdefault(record.doc_id, record)  # the same document twice in one issue is one
    return PreparedEntry(entry, list(records.values()), extraction)


def store_prepared(
    prepared: list[PreparedEntry],
    *,
    documents: DocumentStore,
    blobs: BlobStore,
    index: DocumentIndex | None = None,
    now: datetime | None = None,
) -> list[IngestOutcome]:
    """Stores a whole batch's documents with as few calls as the stores allow: one conditional
    transaction per hundred writes, each new document with its listing rows; a document met again
    gains a source."""
    moment = now or datetime.now(UTC)
    items: list[dict[str, Any]] = []
    owners: list[tuple[int, DocumentRecord]] = []  # (prepared index, record) per item
    first_owner: dict[str, int] = {}
    repeats: list[tuple[int, DocumentRecord]] = []
    for position, entry in enumerate(prepared):
        for record in entry.records:
            if record.doc_id in first_owner:
                repeats.append((position, record))  # the same document twice in one batch
                continue
            first_owner[record.doc_id] = position
            # A short document is whole in its summary: no object to write or read.
            text_url = None if record.is_short else blobs.put_text(f"documents/{record.doc_id}.txt", record.text)
            items.append(document_item(record, text_url, moment))
            owners.append((position, record))
    # A new document and its listing rows are written in one transaction: together or not at all.
    if not items:
        created, existing = [], []
    elif index is None:
        created, existing = documents.put_new(items)
    else:
        created, existing = documents.put_new(items, index)
    outcomes = [IngestOutcome(p.entry.entry_id, [], [], p.extraction) for p in prepared]
    for i in created:
        position, record = owners[i]
        outcomes[position].created.append(record)
    for position, record in [owners[i] for i in existing] + repeats:
        entry = prepared[position].entry
        documents.add_source(record.doc_id, f"{entry.feed_id}/{entry.entry_id}")
        outcomes[position].duplicates.append(record.doc_id)
    return outcomes


def ingest_entry(
    entry: EntryMessage,
    *,
    fetch: Callable[..., FetchResult] | None,
    documents: DocumentStore,
    blobs: BlobStore,
    classify: Callable[..., Classification],
    index: DocumentIndex | None = None,
    now: datetime | None = None,
) -> IngestOutcome:
    """One entry end to end (the CLI and tests); the handler prepares a batch, then stores it at once."""
    prepared = prepare_entry(entry, fetch=fetch, classify=classify)
    return store_prepared([prepared], documents=documents, blobs=blobs, index=index, now=now)[0]
