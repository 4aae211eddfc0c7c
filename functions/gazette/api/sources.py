"""Sources at a glance (`/sources`): each watched source's health and a chart of documents per domain.

The poller records, per feed, `health_status` (baseline, ok, unchanged, failing, blocked, broken),
`health_reason`, `last_poll_at`, `items_last_poll` and `last_new_at`. Feeds polled before it did
have only `last_checked_at` (epoch seconds), `last_success_at`, `last_error`, `consecutive_failures`
and `enabled`: the status is then derived from those, and the last new document read from the
feed's own listing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from markupsafe import Markup

from gazette.api import web
from gazette.api.deps import Dependencies, dependencies
from gazette.api.models import DOMAINS

router = Router()

WEEKS = 12
STATUSES = ("baseline", "ok", "unchanged", "failing", "blocked", "broken")


def _moment(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).isoformat(timespec="seconds")
    return str(value)


def source_status(item: dict[str, Any]) -> str:
    """The poller's own verdict when it gave one; else what the older attributes say."""
    if not item.get("enabled", True):
        return "disabled"
    recorded = item.get("health_status")
    if recorded in STATUSES:
        return str(recorded)
    if int(item.get("consecutive_failures") or 0) > 0:
        return "failing"
    if item.get("last_success_at"):
        return "ok"
    return "never"


def source_row(item: dict[str, Any], last_new: str | None) -> dict[str, Any]:
    items = item.get("items_last_poll")
    return {
        "id": item["feed_id"],
        "name": item.get("name") or item["feed_id"],
        "url": item.get("url", ""),
        "status": source_status(item),
        "reason": item.get("health_reason") or (item.get("last_error") if source_status(item) == "failing" else None),
        "last_poll": _moment(item.get("last_poll_at")) or _moment(item.get("last_checked_at")),
        "items_last_poll": int(items) if isinstance(items, int | float) else None,
        "last_new": _moment(item.get("last_new_at")) or last_new,
        "failures": int(item.get("consecutive_failures") or 0),
    }


def _newest_document(deps: Dependencies, feed_id: str) -> str | None:
    rows = deps.index.query(f"FEED#{feed_id}", limit=1).items
    return _moment(rows[0].get("created_at")) if rows else None


def _chart(deps: Dependencies, locale: str, labels: dict[str, str]) -> dict[str, Any]:
    from gazette.domain import chart  # only this page draws

    names = [*DOMAINS, "none"]
    newest = [rows[0].get("published") or "" for rows in
              (deps.index.query(f"DOMAIN#{name}", limit=1).items for name in names) if rows]
    last = max((day[:10] for day in newest if day), default=datetime.now(UTC).date().isoformat())
    last_day = date.fromisoformat(last)
    first_day = chart.week_start(last_day) - timedelta(weeks=WEEKS - 1)
    dates = {name: deps.index.dates(f"DOMAIN#{name}", since=first_day.isoformat(), until=last_day.isoformat())
             for name in names}
    counts = chart.weekly_counts(dates, last_week=last_day, weeks=WEEKS)
    texts = web.TEXTS[locale]
    shown = {**labels, "none": texts["browse_none"]}
    title = texts["chart_title"].format(first=counts.weeks[0].isoformat(), last=last_day.isoformat())
    total = sum(sum(values) for values in counts.series.values())
    svg = chart.stacked_bars(counts, shown, title=title, description=texts["chart_desc"].format(total=total))
    return {"svg": Markup(svg),  # noqa: S704 - built by gazette.domain.chart, every text escaped there
            "title": title, "names": [shown[name] for name in names],
            "rows": chart.table_rows(counts, names)}


@router.get("/sources", include_in_schema=False)
def sources(lang: Annotated[str | None, Query(max_length=5)] = None):
    event = router.current_event
    locale = web.pick_locale(event, lang)
    deps = dependencies()
    from gazette.domain.labels import domain_labels

    rows = []
    for item in sorted(deps.feeds.list_feeds(), key=lambda feed: feed["feed_id"]):
        last_new = None if item.get("last_new_at") else _newest_document(deps, item["feed_id"])
        rows.append(source_row(item, last_new))
    from gazette.api.atom import atom_link
    from gazette.api.listing import Filters

    labels = domain_labels(locale)
    feeds = [{"title": web.TEXTS[locale]["atom_domain"].format(label=labels[domain]),
              "href": atom_link(Filters(domain=domain), locale)} for domain in DOMAINS]
    return web.page(event, "sources", locale=locale, sources=rows, chart=_chart(deps, locale, labels),
                    atom_feeds=feeds)
