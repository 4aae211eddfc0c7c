"""Keeps a message that cannot be processed, with its reason, instead of losing it or looping forever.

SQS's redrive moves a message to the DLQ after its last failed receive, but without saying why. On
the last allowed attempt the record handler's failure is caught here and the message is moved to
the DLQ by us, with the reason as a message attribute; earlier failures are raised, so Powertools
reports them as partial batch failures and SQS retries them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from gazette.adapters.messaging import OutgoingMessage, Queue
from gazette.observability import logger, metrics


def failure_reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:256]


def dead_letter_on_last_attempt(handler: Callable[..., Any], *, dlq: Queue, max_receives: int) -> Callable[..., Any]:
    def wrapped(record: SQSRecord, **kwargs: Any) -> Any:
        try:
            return handler(record, **kwargs)
        except Exception as exc:
            receives = int(record.attributes.approximate_receive_count or 1)
            if receives < max_receives:
                raise
            reason = failure_reason(exc)
            dlq.send_all([OutgoingMessage(id="0", body=record.body,
                                          attributes={"failure_reason": reason,
                                                      "source_message_id": record.message_id})])
            logger.error("record dead-lettered", message_id=record.message_id, receives=receives,
                         reason=reason)
            metrics.add_metric(name="RecordsDeadLettered", unit="Count", value=1)
            return None

    return wrapped
