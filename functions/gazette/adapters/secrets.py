"""The deployment's token key, read from Secrets Manager once per container."""

from __future__ import annotations

from typing import Any

from gazette.adapters.errors import AWS_ERRORS, StoreError

MIN_KEY_BYTES = 32


def token_key(client: Any, secret_id: str) -> bytes:
    """The key of the keyed hashes under which subscription tokens are stored (never logged)."""
    try:
        value = client.get_secret_value(SecretId=secret_id)["SecretString"]
    except AWS_ERRORS as exc:
        raise StoreError("reading the token key failed") from exc
    key = value.encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise StoreError("the token key is too short")
    return key
