"""Delivery claims on moto: each (document, subscription) claimed by one sender at a time and never
again once sent, one mail's documents claimed by one write and marked sent by one more."""

import pytest

from gazette.adapters.claims import SENT, Claim, DeliveryClaims

NOW = 1_780_000_000
LEDGER = "mail#sub_1#wendeng-gazette#2024-02-05"


class Calls:
    def __init__(self, client):
        self.names = []
        client.meta.events.register("before-call.dynamodb.*", self._count)

    def _count(self, event_name, **kwargs):
        self.names.append(event_name.rsplit(".", 1)[-1])


@pytest.fixture
def claims(aws_stack):
    return DeliveryClaims(aws_stack.client("dynamodb"), aws_stack.tables["IdempotencyTable"])


def _claims(*entries, ledger=LEDGER):
    return [Claim(ledger, entry) for entry in entries]


def test_delivery_claims_a_mails_documents_are_claimed_by_one_write_and_marked_sent_by_one_more(claims):
    calls = Calls(claims._client)

    held = claims.claim(_claims("evt_1", "evt_2", "evt_3"), NOW)
    claims.complete(sorted(held, key=lambda c: c.entry), NOW)

    assert held == set(_claims("evt_1", "evt_2", "evt_3"))
    assert calls.names == ["UpdateItem", "UpdateItem"]
    item = claims._client.get_item(TableName=claims.table, Key={"id": {"S": LEDGER}})["Item"]
    assert item == {"id": {"S": LEDGER}, "evt_1": {"N": str(SENT)}, "evt_2": {"N": str(SENT)},
                    "evt_3": {"N": str(SENT)}, "expiration": {"N": str(NOW + 30 * 86400)}}


def test_delivery_claims_documents_held_or_sent_are_left_out_and_the_rest_is_claimed(claims):
    assert claims.claim(_claims("evt_1", "evt_2"), NOW) == set(_claims("evt_1", "evt_2"))
    claims.complete(_claims("evt_1"), NOW)

    # evt_1 was sent, evt_2 is being sent by the first caller: only evt_3 is free.
    assert claims.claim(_claims("evt_1", "evt_2", "evt_3"), NOW + 10) == set(_claims("evt_3"))


def test_delivery_claims_a_hold_that_ended_can_be_taken_again_but_a_sent_document_never(claims):
    claims.claim(_claims("evt_1", "evt_2"), NOW, hold_seconds=300)
    claims.complete(_claims("evt_2"), NOW)

    assert claims.claim(_claims("evt_1", "evt_2"), NOW + 299) == set()
    assert claims.claim(_claims("evt_1", "evt_2"), NOW + 301) == set(_claims("evt_1"))
    assert claims.claim(_claims("evt_2"), NOW + 30 * 86400 - 1) == set()


def test_delivery_claims_released_documents_can_be_claimed_again_at_once(claims):
    claims.claim(_claims("evt_1", "evt_2"), NOW)

    claims.release(_claims("evt_1", "evt_2"))

    assert claims.claim(_claims("evt_2", "evt_1"), NOW + 1) == set(_claims("evt_1", "evt_2"))


def test_delivery_claims_ledgers_are_apart_and_large_claims_are_split_into_several_writes(claims):
    calls = Calls(claims._client)
    many = [f"evt_{index}" for index in range(45)]
    other = "mail#sub_2#wendeng-gazette#2024-02-05"

    held = claims.claim([*_claims(*many), *_claims("evt_1", ledger=other)], NOW)

    assert held == {*_claims(*many), Claim(other, "evt_1")}
    assert calls.names == ["UpdateItem", "UpdateItem", "UpdateItem"]  # 40 + 5 on one ledger, 1 on the other
