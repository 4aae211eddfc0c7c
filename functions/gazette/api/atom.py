"""Atom feeds out: one per domain (`/atom/{domain}`) and one for any browse filter (`/atom?...`).

Each is the newest documents of the same listing the browse page shows, with an ETag: a client that
sends it back in If-None-Match gets 304 and no body.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from gazette.api import listing, web
from gazette.api.deps import dependencies
from gazette.api.models import DomainName, DomainOrNone, ErrorOut, FeedId, IsoDate, Issuer, Keyword
from gazette.domain.labels import domain_labels
from gazette.domain.reading import reading_summary

router = Router()

ENTRIES = 50
TAGS = ["feeds out"]
FeedLanguage = Annotated[Literal["zh", "en"], Query(description="Language of the feed's own title and labels.")]
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "An Atom feed (RFC 4287), newest first, with an ETag.",
          "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
    304: {"description": "Not modified: the ETag sent in If-None-Match is current."},
    503: {"description": "The store is briefly unavailable; retry.",
          "content": {"application/json": {"model": ErrorOut}}},
}


def atom_link(filters: listing.Filters, locale: str) -> str:
    """The feed of a browse listing: `/atom/{domain}` for a domain alone, else `/atom?filters`."""
    query = filters.query()
    if set(query) == {"domain"}:
        return f"/atom/{query['domain']}?" + urlencode({"lang": locale})
    return "/atom?" + urlencode({**query, "lang": locale})


def _feed_title(filters: listing.Filters, locale: str, labels: dict[str, str]) -> str:
    site = web.TEXTS[locale]["site"]
    parts = []
    if filters.domain:
        parts.append(labels.get(filters.domain, web.TEXTS[locale]["browse_none"]))
    parts.extend(value for value in (filters.issuer, filters.feed, filters.q) if value)
    if filters.since or filters.until:
        parts.append(f"{filters.since or ''}–{filters.until or ''}")
    return " · ".join([site, *parts])


def _entry(row: dict[str, Any], base: str, locale: str, labels: dict[str, str]) -> Any:
    from gazette.domain import atom

    page = f"{base}/documents/{row['doc_id']}"
    updated = atom.rfc3339(row.get("created_at")) or atom.rfc3339(row.get("published")) or atom.EMPTY_FEED_UPDATED
    none_label = web.TEXTS[locale]["browse_none"]
    return atom.AtomEntry(
        id=page, title=row.get("title", ""), updated=updated, page_url=page,
        summary=reading_summary(row.get("summary", ""), row.get("title", "")),
        published=atom.rfc3339(row.get("published"), day_only=True), author=row.get("issuer"),
        categories=[(domain, labels.get(domain, domain)) for domain in row.get("domains") or []]
        or [("none", none_label)],
    )


def _answer(filters: listing.Filters, locale: str) -> Response:
    from gazette.domain import atom  # only feed requests pay for the XML writer

    deps = dependencies()
    base = deps.settings.public_base_url.rstrip("/")
    labels = domain_labels(locale)
    found = listing.find(deps.index, filters, limit=ENTRIES)
    self_url = base + atom_link(filters, locale)
    body = atom.render_feed(atom.AtomFeed(
        id=self_url, title=_feed_title(filters, locale, labels), self_url=self_url,
        html_url=base + web.link("/browse", locale, **filters.query()), language=web.TEXTS[locale]["lang"],
        author=web.TEXTS[locale]["site"], category_scheme=f"{base}/browse",
        entries=[_entry(row, base, locale, labels) for row in found.rows],
    ))
    tag = atom.etag(body)
    headers = {"ETag": tag, "Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}
    if atom.not_modified(router.current_event.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers, body="")
    return Response(status_code=200, content_type=atom.CONTENT_TYPE, body=body.decode("utf-8"), headers=headers)


@router.get("/atom/<domain>", tags=TAGS, summary="An Atom feed of a domain's newest documents", responses=RESPONSES)
def domain_feed(domain: Annotated[DomainOrNone, Path(description="`none`: documents in no domain.")],
                lang: FeedLanguage = "zh"):
    return _answer(listing.Filters(domain=domain), lang)


@router.get("/atom", tags=TAGS, summary="An Atom feed of any browse listing (the same filters as /documents)",
            responses=RESPONSES)
def filtered_feed(
    domain: Annotated[DomainName | Literal["none"] | None, Query(description="`none`: documents in no domain.")] = None,
    feed: Annotated[FeedId | None, Query()] = None,
    issuer: Annotated[Issuer | None, Query()] = None,
    since: Annotated[IsoDate | None, Query(description="Published on or after (YYYY-MM-DD).")] = None,
    until: Annotated[IsoDate | None, Query(description="Published on or before (YYYY-MM-DD).")] = None,
    q: Annotated[Keyword | None, Query(description="Text the title holds.")] = None,
    lang: FeedLanguage = "zh",
):
    return _answer(listing.Filters(domain=domain, feed=feed, issuer=issuer, since=since, until=until, q=q), lang)
