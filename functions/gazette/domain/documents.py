"""A stored document: its identity, and how a split document becomes one.

Identity decides idempotency: the same document reached twice (a redelivered message, the same
notice in two feeds, an issue re-published) must get the same id, so one conditional write keeps
exactly one copy.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from gazette.domain.model import Classification, SplitDocument

_SPACE = re.compile(r"\s+")
SUMMARY_CHARS = 600


def _normalise(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def content_hash(text: str) -> str:
    return hashlib.sha256(_normalise(text).encode("utf-8")).hexdigest()


def document_id(doc: SplitDocument) -> str:
    """Same issuer and document number: same document, wherever it was found.

    Without a number the title, date and the normalised text decide, so a page fetched twice with
    different whitespace is still one document.
    """
    if doc.doc_number:
        key = f"num|{_normalise(doc.issuer or '')}|{_normalise(doc.doc_number)}"
    else:
        published = doc.published.isoformat() if doc.published else ""
        key = f"txt|{_normalise(doc.title)}|{published}|{content_hash(doc.text)}"
    return "doc_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """What is kept of a document: the split fields, where it came from and how it was classified."""

    doc_id: str
    feed_id: str
    entry_id: str
    title: str
    text: str
    doc_number: str | None
    issuer: str | None
    published: date | None
    url: str | None
    language: str
    classification: Classification
    extraction: str  # which extractor produced the text, e.g. "pdf:pypdf"
    split_warning: str | None = None  # the issue could not be split and is kept whole (why)

    @property
    def summary(self) -> str:
        return self.text[:SUMMARY_CHARS]

    @property
    def is_short(self) -> bool:
        """The summary is the whole text."""
        return len(self.text) <= SUMMARY_CHARS

    @property
    def hash(self) -> str:
        return content_hash(self.text)


def build_record(
    doc: SplitDocument,
    *,
    feed_id: str,
    entry_id: str,
    url: str | None,
    language: str,
    classification: Classification,
    extraction: str,
    issuer_fallback: str | None = None,
) -> DocumentRecord:
    return DocumentRecord(
        doc_id=document_id(doc),
        feed_id=feed_id,
        entry_id=entry_id,
        title=doc.title,
        text=doc.text,
        doc_number=doc.doc_number,
        issuer=doc.issuer or issuer_fallback,
        published=doc.published,
        url=url,
        language=language,
        classification=classification,
        extraction=extraction,
        split_warning=doc.split_warning,
    )
