"""The retry schedule and one delivery attempt, with a fake HTTP client: no network, no moto."""

from datetime import UTC, datetime

import pytest

from gazette.adapters.http import ConnectError, FetchResult, Timeout, UnsafeURL
from gazette.domain.signing import new_secret
from gazette.messages import WebhookDeliveryJob
from gazette.services.webhooks import (
    MAX_RETRY_AFTER,
    RETRY_SCHEDULE,
    Outcome,
    attempt,
    delivery_id,
    next_delay,
    owner_notice,
    retry_delay,
)

NOW = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
JOB = WebhookDeliveryJob(delivery_id="msg_1", subscription_id="sub_1", payload='{"type":"ping"}')
URL = "https://hooks.example.org/in?token=s3cret"


def _post(status=200, headers=None, raises=None, calls=None):
    def post(url, **kwargs):
        if calls is not None:
            calls.append((url, kwargs))
        if raises is not None:
            raise raises
        return FetchResult(status=status, url=url, headers=headers or {}, body=b"")

    return post


def _attempt(post):
    return attempt(JOB, url=URL, secrets_in_use=[new_secret()], post=post, now=NOW)


def test_retry_schedule_spans_about_three_days():
    assert 2.5 * 86400 <= sum(RETRY_SCHEDULE) <= 3.5 * 86400


def test_retry_schedule_has_waits_longer_than_the_sqs_delay_limit():
    assert max(RETRY_SCHEDULE) > 900


def test_next_delay_is_jittered_within_ten_percent_and_ends_when_exhausted():
    assert next_delay(0, rng=lambda: 0.0) == 4.5
    assert next_delay(0, rng=lambda: 1.0) == 5.5
    assert next_delay(len(RETRY_SCHEDULE)) is None


def test_retry_delay_with_a_retry_after_waits_as_the_receiver_asked():
    assert retry_delay(0, 120.0, rng=lambda: 0.5) == 120.0
    assert retry_delay(5, 30.0, rng=lambda: 0.5) == 30.0


def test_retry_delay_caps_a_retry_after_at_a_day_and_never_waits_less_than_a_second():
    assert retry_delay(0, 10 * 86400.0) == MAX_RETRY_AFTER
    assert retry_delay(0, 0.0) == 1.0


def test_retry_delay_after_the_last_attempt_is_none_even_with_a_retry_after():
    assert retry_delay(len(RETRY_SCHEDULE), 60.0) is None


def test_delivery_id_is_stable_for_an_event_and_endpoint():
    assert delivery_id("evt_1", "sub_1") == delivery_id("evt_1", "sub_1")
    assert delivery_id("evt_1", "sub_1") != delivery_id("evt_1", "sub_2")


def test_attempt_posts_the_exact_payload_signed_without_following_redirects():
    calls = []

    result = _attempt(_post(204, calls=calls))

    assert result.outcome == Outcome.DELIVERED and result.status == 204
    (url, kwargs), = calls
    assert url == URL
    assert kwargs["method"] == "POST" and kwargs["body"] == JOB.payload.encode()
    assert kwargs["follow_redirects"] is False
    assert kwargs["headers"]["webhook-id"] == "msg_1"


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_attempt_answered_with_a_redirect_is_a_failure(status):
    result = _attempt(_post(status, {"location": "https://elsewhere.example.org/"}))

    assert result.outcome == Outcome.RETRY and result.status == status
    assert "not followed" in result.error


def test_attempt_answered_410_is_gone():
    assert _attempt(_post(410)).outcome == Outcome.GONE


@pytest.mark.parametrize("status", [429, 503])
def test_attempt_answered_429_or_503_carries_the_retry_after(status):
    result = _attempt(_post(status, {"retry-after": "120"}))

    assert result.outcome == Outcome.RETRY and result.retry_after == 120.0


def test_attempt_answered_500_ignores_a_retry_after():
    assert _attempt(_post(500, {"retry-after": "120"})).retry_after is None


def test_attempt_failures_are_named_without_the_url_or_its_token():
    timed_out = _attempt(_post(raises=Timeout(f"read timed out from {URL}")))
    refused = _attempt(_post(raises=ConnectError(f"cannot resolve host of {URL!r}")))

    assert timed_out.outcome == Outcome.RETRY and timed_out.error == "timed out"
    assert refused.error == "connection failed"
    assert "s3cret" not in timed_out.error + refused.error


def test_attempt_refused_by_the_ssrf_guard_at_send_time_is_a_failure_naming_the_address():
    result = _attempt(_post(raises=UnsafeURL("refused loopback address 127.0.0.1")))

    assert result.outcome == Outcome.RETRY
    assert result.error == "refused loopback address 127.0.0.1"


def test_owner_notice_names_the_host_but_not_the_path_or_query():
    message = owner_notice(sender="alerts@gazette-alerts.example", owner="owner@example.org", subscription_id="sub_1",
                           url=URL, reason="it failed", manage_url="https://alerts.example.org/subscriptions/sub_1")

    text = message.get_content()
    assert "hooks.example.org" in message["Subject"]
    assert "token" not in text and "s3cret" not in text and "/in" not in text
