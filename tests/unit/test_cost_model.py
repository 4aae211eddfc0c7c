"""The cost model's pricing of waits: thread by thread, as the measured run made its requests."""

import pytest

from benchmarks.cost import PRICES, dollars, waited


def test_waited_an_invocation_waits_for_its_own_thread_plus_its_slowest_other_thread():
    one_thread = [[2, 0]]  # a handler alone: two AWS requests
    batch = [[0, 0], [1, 1], [3, 1], [1, 0]]  # a poller: its own thread idle, three polls on threads

    assert waited([one_thread, batch]) == pytest.approx(0.020 + 0.230)


def test_dollars_bill_the_measured_wait_instead_of_every_request_in_turn():
    calls = {"PollerFunction": {"dynamodb.UpdateItem": 1.0}}

    in_turn = dollars(calls, 0.0, {"PollerFunction": 0.003}, 1.0, {"PollerFunction": 256},
                      {"PollerFunction": 0.05}, feed_kb=1.0)
    measured = dollars(calls, 0.0, {"PollerFunction": 0.003}, 1.0, {"PollerFunction": 256},
                       {"PollerFunction": 0.05}, feed_kb=1.0, wait={"PollerFunction": 0.0105})

    gb_s = PRICES["lambda_gb_s"] * 0.25
    request = 0.05 * PRICES["lambda_request"]
    assert in_turn == pytest.approx({"lambda": (0.003 + 0.010 + 0.2) * gb_s + request,
                                     "dynamodb": PRICES["dynamodb_wru"], "s3": 0.0, "sqs": 0.0, "sns": 0.0,
                                     "ses": 0.0, "total": (0.213 * gb_s + request) + PRICES["dynamodb_wru"]})
    assert measured == pytest.approx({"lambda": (0.003 + 0.0105) * gb_s + request,
                                      "dynamodb": PRICES["dynamodb_wru"], "s3": 0.0, "sqs": 0.0, "sns": 0.0,
                                      "ses": 0.0, "total": (0.0135 * gb_s + request) + PRICES["dynamodb_wru"]})
