from datetime import UTC, datetime

import pytest

from gazette.domain.digest import closed_periods, group_by_domain, period_of
from gazette.domain.subscriptions import Mode
from gazette.handlers.ses_events import addresses_to_suppress


def test_period_of_daily_and_weekly_digests():
    moment = datetime(2024, 5, 2, 15, 0, tzinfo=UTC)
    assert period_of(Mode.DAILY, moment) == "D2024-05-02"
    assert period_of(Mode.WEEKLY, moment) == "W2024-W18"
    with pytest.raises(ValueError):
        period_of(Mode.INSTANT, moment)


def test_closed_periods_are_yesterday_and_on_mondays_last_week():
    assert closed_periods(datetime(2024, 5, 2, 0, 5, tzinfo=UTC)) == ["D2024-05-01"]
    assert closed_periods(datetime(2024, 5, 6, 0, 5, tzinfo=UTC)) == ["D2024-05-05", "W2024-W18"]


def test_group_by_domain_puts_each_document_once_in_the_subscriptions_domain_order():
    groups = group_by_domain([("a", ["science", "bidding"]), ("b", ["disasters"]), ("c", ["consumption"])],
                             ("bidding", "disasters", "science"))
    assert groups == {"bidding": ["a"], "disasters": ["b"]}


def test_ses_permanent_bounce_and_complaint_suppress_but_transient_bounce_and_delivery_do_not():
    def bounce(kind):
        return {"eventType": "Bounce", "bounce": {"bounceType": kind,
                                                  "bouncedRecipients": [{"emailAddress": "a@example.org"}]}}

    assert addresses_to_suppress(bounce("Permanent"))[0][0] == "a@example.org"
    assert addresses_to_suppress(bounce("Transient")) == []
    complaint = {"notificationType": "Complaint",
                 "complaint": {"complainedRecipients": [{"emailAddress": "b@example.org"}]}}
    assert addresses_to_suppress(complaint) == [("b@example.org", "complaint")]
    assert addresses_to_suppress({"eventType": "Delivery"}) == []
