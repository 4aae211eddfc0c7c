"""Atom feeds out (RFC 4287): a listing of documents as a feed a reader's feed client can follow.

Built with the standard library's ElementTree (escaping is its job, not ours). The document is a pure
function of its entries, so its ETag is a hash of its bytes: the same listing gives the same ETag,
and a client that sends it back (If-None-Match) is answered 304 with no body.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET  # builds XML only: nothing untrusted is parsed here

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
EMPTY_FEED_UPDATED = "1970-01-01T00:00:00Z"  # a feed with no entry yet: RFC 4287 requires an updated


@dataclass(frozen=True, slots=True)
class AtomEntry:
    id: str  # a permanent IRI: the document's page
    title: str
    updated: str  # RFC 3339
    page_url: str
    summary: str = ""
    published: str | None = None
    source_url: str | None = None
    author: str | None = None  # the issuer
    categories: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (term, label)


@dataclass(frozen=True, slots=True)
class AtomFeed:
    id: str  # the feed's own URL
    title: str
    self_url: str
    html_url: str  # the same listing as a web page
    language: str  # xml:lang of the feed's own texts
    author: str
    category_scheme: str
    entries: Sequence[AtomEntry]


def rfc3339(moment: str | None, *, day_only: bool = False) -> str | None:
    """A stored ISO date or time as RFC 3339 (a bare date is taken as midnight UTC)."""
    if not moment:
        return None
    if day_only or len(moment) == 10:
        return f"{moment[:10]}T00:00:00Z"
    return moment.replace("+00:00", "Z")


def _text(parent: ET.Element, name: str, value: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}", attributes)
    element.text = value
    return element


def _link(parent: ET.Element, href: str, rel: str, kind: str | None = None) -> None:
    attributes = {"href": href, "rel": rel}
    if kind:
        attributes["type"] = kind
    ET.SubElement(parent, f"{{{ATOM_NS}}}link", attributes)


def render_feed(feed: AtomFeed) -> bytes:
    """The feed document, UTF-8, newest entry first as given."""
    ET.register_namespace("", ATOM_NS)
    root = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": feed.language})
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    updated = max((entry.updated for entry in feed.entries), default=EMPTY_FEED_UPDATED)
    _text(root, "updated", updated)
    author = ET.SubElement(root, f"{{{ATOM_NS}}}author")
    _text(author, "name", feed.author)
    _link(root, feed.self_url, "self", "application/atom+xml")
    _link(root, feed.html_url, "alternate", "text/html")
    for item in feed.entries:
        entry = ET.SubElement(root, f"{{{ATOM_NS}}}entry")
        _text(entry, "id", item.id)
        _text(entry, "title", item.title)
        _text(entry, "updated", item.updated)
        if item.published:
            _text(entry, "published", item.published)
        if item.author:
            issuer = ET.SubElement(entry, f"{{{ATOM_NS}}}author")
            _text(issuer, "name", item.author)
        _link(entry, item.page_url, "alternate", "text/html")
        if item.source_url:
            _link(entry, item.source_url, "related")
        for term, label in item.categories:
            ET.SubElement(entry, f"{{{ATOM_NS}}}category", {"term": term, "label": label,
                                                              "scheme": feed.category_scheme})
        if item.summary:
            _text(entry, "summary", item.summary, type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(if_none_match: str | None, current: str) -> bool:
    """RFC 9110 If-None-Match for GET: `*` or any listed tag, compared weakly (W/ ignored)."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or current in tags
