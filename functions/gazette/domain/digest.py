"""Digest periods: which window a document falls in, and which windows have closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gazette.domain.subscriptions import Mode


def period_of(mode: Mode, moment: datetime) -> str:
    """`D2024-05-02` for a daily digest, `W2024-W18` (ISO week) for a weekly one."""
    moment = moment.astimezone(UTC)
    if mode is Mode.DAILY:
        return f"D{moment.date().isoformat()}"
    if mode is Mode.WEEKLY:
        year, week, _ = moment.isocalendar()
        return f"W{year}-W{week:02d}"
    raise ValueError(f"{mode} has no digest period")


def closed_periods(now: datetime) -> list[str]:
    """The periods a digest run at `now` sends: yesterday, and on Mondays last week too."""
    now = now.astimezone(UTC)
    periods = [period_of(Mode.DAILY, now - timedelta(days=1))]
    if now.isoweekday() == 1:
        periods.append(period_of(Mode.WEEKLY, now - timedelta(days=7)))
    return periods


def group_by_domain(domains_of: list[tuple[str, list[str]]], wanted: tuple[str, ...]) -> dict[str, list[str]]:
    """Document ids under the first of the subscription's domains each belongs to, in `wanted` order."""
    groups: dict[str, list[str]] = {domain: [] for domain in wanted}
    for doc_id, domains in domains_of:
        for domain in wanted:
            if domain in domains:
                groups[domain].append(doc_id)
                break
    return {domain: ids for domain, ids in groups.items() if ids}
