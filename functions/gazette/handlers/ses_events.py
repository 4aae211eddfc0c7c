"""SES bounce and complaint notifications (via SNS) -> our own suppression list.

Permanent bounces and complaints suppress the address; transient bounces (a full mailbox, a
greylisting server) do not. Suppressed addresses get no further SES calls from the mailer.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from gazette.adapters.clients import aws_client
from gazette.adapters.mail_state import SuppressionList
from gazette.config import SesEventsSettings
from gazette.observability import logger, metrics, redact_email


@cache
def dependencies() -> SuppressionList:
    settings = SesEventsSettings()
    return SuppressionList(aws_client("dynamodb"), settings.subscriptions_table)


def addresses_to_suppress(notification: dict[str, Any]) -> list[tuple[str, str]]:
    """(address, reason) pairs from an SES event or notification; empty for anything else."""
    kind = notification.get("eventType") or notification.get("notificationType")
    if kind == "Bounce":
        bounce = notification.get("bounce", {})
        if bounce.get("bounceType") != "Permanent":
            return []
        reason = f"permanent bounce ({bounce.get('bounceSubType', 'General')})"
        return [(r["emailAddress"], reason) for r in bounce.get("bouncedRecipients", []) if r.get("emailAddress")]
    if kind == "Complaint":
        complaint = notification.get("complaint", {})
        return [(r["emailAddress"], "complaint") for r in complaint.get("complainedRecipients", [])
                if r.get("emailAddress")]
    return []


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    suppression = dependencies()
    count = 0
    for record in event.get("Records", []):
        try:
            notification = json.loads(record["Sns"]["Message"])
        except (KeyError, TypeError, ValueError):
            logger.warning("ses event unreadable", message_id=record.get("Sns", {}).get("MessageId"))
            continue
        for address, reason in addresses_to_suppress(notification):
            suppression.suppress(address, reason)
            logger.info("address suppressed", recipient=redact_email(address), reason=reason)
            count += 1
    metrics.add_metric(name="AddressesSuppressed", unit="Count", value=count)
    return {"suppressed": count}
