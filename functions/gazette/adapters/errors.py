"""Typed adapter errors: SDK errors are wrapped here, never matched by their text elsewhere."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError


class StoreError(RuntimeError):
    """A storage or messaging call failed; the message is worth retrying."""


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


AWS_ERRORS = (ClientError, BotoCoreError)
