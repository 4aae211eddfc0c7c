"""What a source yields now, given its first page: the one step the poller and `gazette feeds try` share.

A source without ``follow`` yields the items of its page. With ``follow`` (an issue list whose items
are issues, each issue's page a table of contents), the page of each NEW list item, one whose
identity is not already known, is fetched with the caller's ``fetch`` (so the poller's politeness,
guard and timeouts apply) and its document items are what the source yields. A list item whose page
could not be read is left out of ``list_ids``, so the next poll tries it again; when no new list
item could be read at all, the first error is raised, so a broken table of contents is reported,
not taken for a quiet source.

A tree of lists (``follow`` inside ``follow``: years → issues → documents) has one more level on
top: the items of the first page are branches (years), and each branch's page is read on EVERY poll,
since a year's list of issues grows, while the issues it lists are opened only when new, as above.
The branches' items together are the source's list (``list_items``): what the baseline records and
whose fingerprint tells an unchanged source. Which branches are read is the first level's business
(a JMESPath ``items`` such as ``sort_by(children, &name)[-2:]`` keeps the two latest years), so a
poll costs the first page, one request per branch and one per new issue. A branch that lists
nothing (a year with no issue yet) is no error unless every branch lists nothing; a branch page
that cannot be read fails the poll, since the list would be incomplete.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace

from gazette.adapters.http import FetchError, FetchResult
from gazette.domain.feeds import FeedEntry, FeedParseError, ParsedFeed
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


def list_items(
    spec: SourceSpec,
    first: FetchResult,
    fetch: Callable[[str], FetchResult],
    *,
    feed_key: str | None = None,
) -> tuple[SourceSpec, ParsedFeed]:
    """The source's list and the spec that reads it: the items of ``first``, or for a tree the items
    of each branch page ``first`` lists (read now, through ``fetch``) with the branch level's spec.

    Raises FeedParseError or SourceLayoutError for a page that cannot be read as described, and for
    a branch page FetchError, UnsafeURLError or FollowError.
    """
    key = feed_key if feed_key is not None else first.url
    listed = extract_items(spec, first.body, first.headers, first.url, feed_key=key)
    if spec.follow is None or spec.follow.follow is None:
        return spec, listed
    level = spec.follow
    items: dict[str, FeedEntry] = {}
    empty: list[SourceLayoutError] = []
    for branch in listed.entries:
        if not branch.link:
            continue
        page = fetch(branch.link)
        if not 200 <= page.status < 300:
            raise FollowError(page.url, page.status)
        try:
            found = extract_items(level, page.body, page.headers, page.url, feed_key=key)
        except SourceLayoutError as exc:
            empty.append(exc)  # a branch with nothing in it yet
            continue
        for item in found.entries:
            items.setdefault(item.entry_id, item)
    if not items:
        raise empty[0] if empty else SourceLayoutError("no branch has a link to follow")
    return level, replace(listed, entries=list(items.values()))


def follow_items(
    spec: SourceSpec,
    listed: list[FeedEntry],
    fetch: Callable[[str], FetchResult],
    known: Collection[str] = (),
    *,
    feed_key: str,
    encoding: str = "utf-8",
    bozo_reason: str | None = None,
) -> SourceItems:
    """What ``listed`` (the items ``spec`` read from the source's list) yields: the items themselves,
    or with ``spec.follow`` the documents of each new one's page.

    For a followed source whose new list items all failed, raises the first of their errors
    (FetchError, UnsafeURLError, FollowError, FeedParseError, SourceLayoutError).
    """
    if spec.follow is None:
        return SourceItems(list(listed), detail=spec.detail, encoding=encoding, bozo_reason=bozo_reason)
    seen = set(known)
    entries: dict[str, FeedEntry] = {}
    list_ids: list[str] = []
    problems: list[str] = []
    errors: list[Exception] = []
    new = [item for item in listed if item.entry_id not in seen and item.link]
    for item in new:
        assert item.link is not None
        try:
            page = fetch(item.link)
            if not 200 <= page.status < 300:
                raise FollowError(page.url, page.status)
            documents = extract_items(spec.follow, page.body, page.headers, page.url, feed_key=feed_key)
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
                       encoding=encoding, bozo_reason=bozo_reason, problems=problems)


def source_items(
    spec: SourceSpec,
    first: FetchResult,
    fetch: Callable[[str], FetchResult],
    known: Collection[str] = (),
    *,
    feed_key: str | None = None,
) -> SourceItems:
    """The items of ``first`` (a 2xx fetch of the source's URL), through its branches and following
    new list items if asked: ``list_items`` then ``follow_items``; raises what they raise."""
    key = feed_key if feed_key is not None else first.url
    level, listed = list_items(spec, first, fetch, feed_key=key)
    return follow_items(level, listed.entries, fetch, known, feed_key=key, encoding=listed.encoding,
                        bozo_reason=listed.bozo_reason)
