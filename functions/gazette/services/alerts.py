"""Instant alerts for a batch of new documents: one mail per subscription per batch, each
(document, subscription) pair claimed once, so a redelivered document is never mailed twice.
A pair's claim is kept in the subscription's ledger for the document's source and date, so the
documents of one mail (usually one issue of one source) are claimed by one write.

When several documents of one batch match the same subscription (a gazette issue with many
documents, a feed catching up) the subscriber gets one mail listing them, not a burst of mails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from gazette.adapters.claims import Claim, DeliveryClaims
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


def claim_key(event: DocumentCreated, subscription: Subscription) -> Claim:
    """Where the pair is claimed: only what a redelivered or republished event keeps (the document's
    source, date and id) decides it; an undated document gets a ledger picked by its id."""
    document = event.document
    group = document.published.isoformat() if document.published else (
        "h" + hashlib.sha256(event.id.encode("utf-8")).hexdigest()[:2])
    return Claim(f"mail#{subscription.subscription_id}#{document.feed_id}#{group}", event.id)


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
    sent_keys: list[Claim] = []
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
