"""Standard Webhooks signatures through the reference library, and secrets that rotate with a grace period."""

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from gazette.domain.signing import (
    SecretFormatError,
    SigningSecret,
    active_secrets,
    dump_secrets,
    new_secret,
    parse_secrets,
    rotated,
    signed_headers,
)

BODY = '{"type":"document.created","id":"evt_1"}'
NOW = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)


def _headers(secrets, when=None):
    return signed_headers(secrets_in_use=secrets, msg_id="msg_1", timestamp=when or datetime.now(UTC), body=BODY)


def test_signed_delivery_verifies_with_the_reference_library():
    secret = new_secret()
    assert Webhook(secret).verify(BODY, _headers([secret]))["id"] == "evt_1"


def test_signed_headers_carry_the_id_the_timestamp_and_one_v1_signature():
    headers = _headers([new_secret()], NOW)

    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert headers["webhook-signature"].startswith("v1,")
    assert " " not in headers["webhook-signature"]


def test_body_changed_by_one_byte_fails_verification():
    secret = new_secret()
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace("1", "2"), _headers([secret]))


def test_stale_timestamp_fails_verification():
    secret = new_secret()
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, _headers([secret], datetime.now(UTC) - timedelta(hours=1)))


def test_signature_with_another_secret_fails_verification():
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, _headers([new_secret()]))


def test_during_rotation_both_old_and_new_secret_verify():
    old, new = new_secret(), new_secret()
    headers = _headers([new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(BODY, headers)
    assert Webhook(new).verify(BODY, headers)


def test_signed_headers_without_a_secret_are_refused():
    with pytest.raises(ValueError):
        _headers([])


def test_new_secret_has_the_whsec_prefix_and_at_least_24_random_bytes():
    import base64

    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    assert secret != new_secret()


def test_rotation_makes_the_new_secret_current_and_keeps_the_old_one_until_the_grace_ends():
    old, new = new_secret(), new_secret()

    secrets = rotated([SigningSecret(old)], new, now=NOW, grace=timedelta(hours=24))

    assert active_secrets(secrets, NOW) == [new, old]
    assert active_secrets(secrets, NOW + timedelta(hours=23)) == [new, old]
    assert active_secrets(secrets, NOW + timedelta(hours=24)) == [new]


def test_rotation_with_no_grace_drops_the_old_secret_at_once():
    old, new = new_secret(), new_secret()

    assert active_secrets(rotated([SigningSecret(old)], new, now=NOW, grace=timedelta(0)), NOW) == [new]


def test_rotation_never_extends_an_older_secrets_expiry_and_drops_expired_ones():
    expired, older, current, new = (new_secret() for _ in range(4))
    stored = [SigningSecret(current), SigningSecret(older, NOW + timedelta(hours=1)),
              SigningSecret(expired, NOW - timedelta(seconds=1))]

    secrets = rotated(stored, new, now=NOW, grace=timedelta(hours=24))

    assert [item.value for item in secrets] == [new, current, older]
    assert secrets[2].expires_at == NOW + timedelta(hours=1)


def test_stored_secrets_round_trip_and_a_bare_string_is_a_secret_without_expiry():
    secrets = [SigningSecret("whsec_a"), SigningSecret("whsec_b", NOW)]

    assert parse_secrets(dump_secrets(secrets)) == secrets
    assert parse_secrets('["whsec_legacy"]') == [SigningSecret("whsec_legacy")]
    assert parse_secrets(None) == []


@pytest.mark.parametrize("stored", ["not json", '{"secret": "x"}', "[1]", '[{"secret": "x", "expires_at": "soon"}]'])
def test_malformed_stored_secrets_raise_a_typed_error(stored):
    with pytest.raises(SecretFormatError):
        parse_secrets(stored)
