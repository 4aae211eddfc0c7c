from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from gazette.domain.signing import new_secret, signed_headers

BODY = '{"type":"document.created","id":"evt_1"}'


def _headers(secrets, when=None):
    return signed_headers(secrets_in_use=secrets, msg_id="msg_1", timestamp=when or datetime.now(UTC), body=BODY)


def test_signed_delivery_verifies_with_the_reference_library():
    secret = new_secret()
    assert Webhook(secret).verify(BODY, _headers([secret]))["id"] == "evt_1"


def test_body_changed_by_one_byte_fails_verification():
    secret = new_secret()
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace("1", "2"), _headers([secret]))


def test_stale_timestamp_fails_verification():
    secret = new_secret()
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, _headers([secret], datetime.now(UTC) - timedelta(hours=1)))


def test_during_rotation_both_old_and_new_secret_verify():
    old, new = new_secret(), new_secret()
    headers = _headers([new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(BODY, headers)
    assert Webhook(new).verify(BODY, headers)


def test_new_secret_has_the_whsec_prefix_and_32_random_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert secret != new_secret()
