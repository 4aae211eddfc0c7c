"""Sending mail through SES v2 as raw MIME: we render it ourselves (templates, unsubscribe headers)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from gazette.adapters.errors import AWS_ERRORS, StoreError, error_code
from gazette.domain.render import ComposedMail


class MailRejected(ValueError):
    """SES refused this message for good (e.g. the sender is not verified): retrying will not help."""


class MailSender:
    def __init__(self, client: Any, configuration_set: str | None = None) -> None:
        self._client = client
        self._configuration_set = configuration_set

    def send(self, message: EmailMessage | ComposedMail) -> str:
        if isinstance(message, ComposedMail):
            sender, recipient = message.sender, message.recipient
        else:
            sender, recipient = str(message["From"].addresses[0].addr_spec), str(message["To"])
        request: dict[str, Any] = {
            "FromEmailAddress": sender,
            "Destination": {"ToAddresses": [recipient]},
            "Content": {"Raw": {"Data": message.as_bytes()}},
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            return self._client.send_email(**request)["MessageId"]
        except AWS_ERRORS as exc:
            if error_code(exc) in {"MessageRejected", "MailFromDomainNotVerifiedException"}:
                raise MailRejected(f"SES rejected the message: {error_code(exc)}") from exc
            raise StoreError("sending mail failed") from exc
