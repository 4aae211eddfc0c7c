"""Standard Webhooks signatures, through the reference `standardwebhooks` library, and secret rotation.

`webhook-signature` carries one `v1,<base64 HMAC-SHA256("{id}.{timestamp}.{body}")>` per active
secret: during a rotation both the new and the old secret sign, so a receiver that still holds the
old one keeps verifying until it expires.

An endpoint's secrets are kept as a JSON list, newest first, of `{"secret": ..., "expires_at": ...}`
(`expires_at` null for the current one); a bare string in that list is a secret without expiry, the
form the first secret of an endpoint was once stored in.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32


class SecretFormatError(ValueError):
    """Stored secrets that cannot be read: the endpoint cannot be signed for."""


@dataclass(frozen=True, slots=True)
class SigningSecret:
    value: str
    expires_at: datetime | None = None  # None: the current secret

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def parse_secrets(stored: str | None) -> list[SigningSecret]:
    """The stored JSON list back to secrets; raises SecretFormatError on anything else."""
    try:
        raw = json.loads(stored or "[]")
    except ValueError as exc:
        raise SecretFormatError("stored secrets are not JSON") from exc
    if not isinstance(raw, list):
        raise SecretFormatError("stored secrets are not a list")
    parsed: list[SigningSecret] = []
    for entry in raw:
        if isinstance(entry, str):
            parsed.append(SigningSecret(entry))
        elif isinstance(entry, dict) and isinstance(entry.get("secret"), str):
            expires = entry.get("expires_at")
            try:
                parsed.append(SigningSecret(entry["secret"], datetime.fromisoformat(expires) if expires else None))
            except (TypeError, ValueError) as exc:
                raise SecretFormatError("a stored secret has a malformed expiry") from exc
        else:
            raise SecretFormatError("a stored secret is neither a string nor an object")
    return parsed


def dump_secrets(secrets_in_use: list[SigningSecret]) -> str:
    return json.dumps([{"secret": item.value,
                        "expires_at": item.expires_at.isoformat() if item.expires_at else None}
                       for item in secrets_in_use])


def active_secrets(stored: list[SigningSecret], now: datetime) -> list[str]:
    """The secrets that sign a delivery made at `now`, newest first."""
    return [item.value for item in stored if item.active(now)]


def rotated(stored: list[SigningSecret], new: str, *, now: datetime, grace: timedelta) -> list[SigningSecret]:
    """`new` becomes the current secret; the others keep signing until `now + grace` at the latest.

    Secrets already expired are dropped, and a rotation never extends an older secret's expiry.
    """
    until = now + grace
    kept = [
        SigningSecret(item.value, until if item.expires_at is None else min(item.expires_at, until))
        for item in stored
        if item.active(now) and item.value != new
    ]
    return [SigningSecret(new), *(item for item in kept if item.active(now))]


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
