from datetime import date

import pytest

from gazette.api.sources import source_status
from gazette.domain.chart import weekly_counts


@pytest.mark.parametrize(("item", "status"), [
    ({"health_status": "broken", "consecutive_failures": 0}, "broken"),
    ({"health_status": "unchanged"}, "unchanged"),
    ({"health_status": "baseline"}, "baseline"),
    ({"health_status": "ok", "enabled": False}, "disabled"),
    ({"consecutive_failures": 4, "last_success_at": "2026-11-01T00:00:00+00:00"}, "failing"),
    ({"last_success_at": "2026-11-01T00:00:00+00:00"}, "ok"),
    ({}, "never"),
    ({"health_status": "something-new", "last_success_at": "2026-11-01T00:00:00+00:00"}, "ok"),
])
def test_source_status_uses_the_pollers_verdict_else_the_older_attributes(item, status):
    assert source_status(item) == status


def test_weekly_counts_count_each_series_by_monday_for_the_weeks_ending_with_the_last_one():
    counts = weekly_counts({"disasters": ["2024-05-14", "2024-05-10", "2024-04-29"], "science": []},
                           last_week=date(2024, 5, 14), weeks=3)

    assert counts.weeks == [date(2024, 4, 29), date(2024, 5, 6), date(2024, 5, 13)]
    assert counts.series == {"disasters": [1, 1, 1], "science": [0, 0, 0]}
