"""What a source yields now, given its first page: the one step the poller and `gazette feeds try` share.

A source without ``follow`` yields the items of its page. With ``follow`` (an issue list whose items
are issues, each issue's page a table of contents), the page of each NEW list item, one whose
identity is not already known, is fetched with the caller's ``fetch`` (so the poller's politeness,
guard and timeouts apply) and its document items are what the source yields. A list item whose page
could not be read is left out of ``list_ids``, so the next poll tries it again; when no new list
item could be read at all, the first error is raised, so a broken table of contents is reported,
not taken for a quiet source.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from gazette.adapters.http import FetchError, FetchResult
from gazette.domain.feeds import FeedEntry, FeedParseError
from gazette.domain.registry import SourceSpec
from gazette.domain.sources import SourceLayoutError, extract_items
from gazette.domain.urlguard import UnsafeURLError


class FollowError(RuntimeError):
    """A followed page answered with an HTTP error status."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url}: HTTP {status}")
        self.url = url
        self.status = status


@dataclass
class SourceItems:
    entries: list[FeedEntry]  # the items to alert on when new (documents, for a followed source)
    list_ids: list[str] = field(default_factory=list)  # followed list items read now: remember them
    detail: bool = False  # each entry's page is to be read for its metadata (and text) by ingest
    encoding: str = "utf-8"
    bozo_reason: str | None = None
    problems: list[str] = field(default_factory=list)  # followed pages that could not be read


def source_items(
    spec: SourceSpec,
    first: FetchResult,
    fetch: Callable[[str], FetchResult],
    known: Collection[str] = (),
    *,
    feed_key: str | None = None,
) -> SourceItems:
    """The items of ``first`` (a 2xx fetch of the source's URL), following new list items if asked.

    Raises FeedParseError or SourceLayoutError for the first page; for a followed source whose new
    list items all failed, the first of their errors (FetchError, UnsafeURLError, FollowError,
    FeedParseError, SourceLayoutError).
    """
    key = feed_key if feed_key is not None else first.url
    listed = extract_items(spec, first.body, first.headers, first.url, feed_key=key)
    if spec.follow is None:
        return SourceItems(listed.entries, detail=spec.detail, encoding=listed.encoding,
                           bozo_reason=listed.bozo_reason)
    seen = set(known)
    entries: dict[str, FeedEntry] = {}
    list_ids: list[str] = []
    problems: list[str] = []
    errors: list[Exception] = []
    new = [item for item in listed.entries if item.entry_id not in seen and item.link]
    for item in new:
        assert item.link is not None
        try:
            page = fetch(item.link)
            if not 200 <= page.status < 300:
                raise FollowError(page.url, page.status)
            documents = extract_items(spec.follow, page.body, page.headers, page.url, feed_key=key)
        except (FetchError, UnsafeURLError, FollowError, FeedParseError, SourceLayoutError) as exc:
            problems.append(f"{item.link}: {type(exc).__name__}: {exc}")
            errors.append(exc)
            continue
        list_ids.append(item.entry_id)
        for document in documents.entries:
            entries.setdefault(document.entry_id, document)
    if new and not list_ids:
        raise errors[0]
    return SourceItems(list(entries.values()), list_ids=list_ids, detail=spec.follow.detail,
                       encoding=listed.encoding, bozo_reason=listed.bozo_reason, problems=problems)
