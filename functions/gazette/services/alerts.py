"""Instant alerts for a batch of new documents: one mail per subscription per batch, each
(document, subscription) pair claimed once, so a redelivered document is never mailed twice.

When several documents of one batch match the same subscription (a gazette issue with many
documents, a feed catching up) the subscriber gets one mail listing them, not a burst of mails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from gazette.adapters.claims import DeliveryClaims
from gazette.adapters.errors import StoreError
from gazette.adapters.mail import MailRejected
from gazette.domain.digest import period_of
from gazette.domain.render import ComposedMail
from gazette.domain.subscriptions import Mode, Subscription
from gazette.messages import DocumentCreated


@dataclass
class Matched:
    """One record's event and the subscriptions that asked for it."""

    record_id: str
    event: DocumentCreated
    recipients: list[Subscription]


@dataclass
class AlertPlan:
    instant: dict[str, tuple[Subscription, list[Matched]]] = field(default_factory=dict)
    digest: list[tuple[str, str, str, str]] = field(default_factory=list)  # sub, period, doc id, event JSON
    suppressed: int = 0


def claim_key(event: DocumentCreated, subscription: Subscription) -> str:
    return f"mail#{event.id}#{subscription.subscription_id}"


def plan_alerts(matched: list[Matched], suppressed: set[str]) -> AlertPlan:
    plan = AlertPlan()
    for item in matched:
        for subscription in item.recipients:
            if subscription.target in suppressed:
                plan.suppressed += 1
            elif subscription.mode is Mode.INSTANT:
                entry = plan.instant.setdefault(subscription.subscription_id, (subscription, []))
                if all(m.event.id != item.event.id for m in entry[1]):
                    entry[1].append(item)
            else:
                plan.digest.append((subscription.subscription_id, period_of(subscription.mode, item.event.occurred_at),
                                    item.event.document.id, item.event.model_dump_json()))
    return plan


@dataclass
class SendResult:
    mails: int = 0
    documents: int = 0
    skipped_pairs: int = 0  # claimed earlier: sent before, or being sent by another invocation
    failed_records: set[str] = field(default_factory=set)


def send_instant(
    plan: AlertPlan,
    *,
    claims: DeliveryClaims,
    render: Callable[[list[DocumentCreated], Subscription], EmailMessage | ComposedMail],
    send: Callable[[EmailMessage | ComposedMail], str],
    now: float,
) -> SendResult:
    result = SendResult()
    keys = [claim_key(m.event, sub) for sub, items in plan.instant.values() for m in items]
    held = claims.claim(keys, now) if keys else set()
    result.skipped_pairs = len(keys) - len(held)
    sent_keys: list[str] = []
    for subscription, items in plan.instant.values():
        mine = [m for m in items if claim_key(m.event, subscription) in held]
        if not mine:
            continue
        mine_keys = [claim_key(m.event, subscription) for m in mine]
        try:
            send(render([m.event for m in mine], subscription))
        except (StoreError, MailRejected):
            claims.release(mine_keys)
            result.failed_records.update(m.record_id for m in mine)
            continue
        sent_keys.extend(mine_keys)
        result.mails += 1
        result.documents += len(mine)
    if sent_keys:
        claims.complete(sent_keys, now)
    return result
