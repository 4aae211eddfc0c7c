"""Standard Webhooks signatures, through the reference `standardwebhooks` library.

`webhook-signature` carries one `v1,<base64 HMAC-SHA256("{id}.{timestamp}.{body}")>` per active
secret: during a rotation both the new and the old secret sign, so a receiver that still holds the
old one keeps verifying until it expires.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signed_headers(*, secrets_in_use: list[str], msg_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    if not secrets_in_use:
        raise ValueError("an endpoint needs at least one secret to sign with")
    signatures = [Webhook(secret).sign(msg_id, timestamp, body) for secret in secrets_in_use]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
    }
