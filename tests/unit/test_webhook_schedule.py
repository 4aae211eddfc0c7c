from gazette.services.webhooks import RETRY_SCHEDULE, delivery_id, next_delay


def test_retry_schedule_spans_about_three_days():
    assert 2.5 * 86400 <= sum(RETRY_SCHEDULE) <= 3.5 * 86400


def test_next_delay_is_jittered_within_ten_percent_and_ends_when_exhausted():
    assert next_delay(0, rng=lambda: 0.0) == 4.5
    assert next_delay(0, rng=lambda: 1.0) == 5.5
    assert next_delay(len(RETRY_SCHEDULE)) is None


def test_delivery_id_is_stable_for_an_event_and_endpoint():
    assert delivery_id("evt_1", "sub_1") == delivery_id("evt_1", "sub_1")
    assert delivery_id("evt_1", "sub_1") != delivery_id("evt_1", "sub_2")
