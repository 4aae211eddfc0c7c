"""Sending digests: one mail per subscription per closed period, its documents grouped by domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from gazette.adapters.mail_state import DigestStore, PendingDigest, SuppressionList
from gazette.adapters.subscription_store import SubscriptionStore
from gazette.domain.digest import group_by_domain
from gazette.domain.render import MailIdentity, render_digest
from gazette.domain.subscriptions import State, Subscription
from gazette.messages import DocumentCreated, DocumentOut
from gazette.services.notify import manage_url, unsubscribe_url, with_page_url


@dataclass
class DigestRun:
    sent: int = 0
    skipped: int = 0  # unsubscribed, suppressed or emptied since
    periods: list[str] = field(default_factory=list)


def digest_mail(subscription: Subscription, documents: list[DocumentOut], *, period: str, sender: str,
                base_url: str, labels: dict[str, str]) -> EmailMessage:
    by_id = {doc.id: with_page_url(doc, base_url) for doc in documents}
    groups = group_by_domain([(doc.id, doc.domains) for doc in documents], subscription.domains)
    identity = MailIdentity(sender=sender, recipient=subscription.target,
                            unsubscribe_url=unsubscribe_url(base_url, subscription),
                            manage_url=manage_url(base_url, subscription))
    return render_digest({domain: [by_id[i] for i in ids] for domain, ids in groups.items()}, identity,
                         period=period, locale=subscription.locale, labels=labels,
                         message_key=f"digest.{subscription.subscription_id}.{period}")


def send_digests(
    periods: list[str],
    *,
    digests: DigestStore,
    subscriptions: SubscriptionStore,
    suppression: SuppressionList,
    send_once: Callable[..., object],
) -> DigestRun:
    """`send_once(digest=PendingDigest, subscription=..., documents=...)` must be idempotent per digest."""
    run = DigestRun(periods=list(periods))
    for period in periods:
        pending = digests.pending(period)
        subscribers = {p.subscription_id: subscriptions.get(p.subscription_id) for p in pending}
        blocked = suppression.suppressed(s.target for s in subscribers.values() if s is not None)
        for digest in pending:
            subscription = subscribers[digest.subscription_id]
            documents = [DocumentCreated.model_validate_json(e).document for e in digests.events(digest)]
            if subscription is None or subscription.state is not State.CONFIRMED or not documents \
                    or subscription.target in blocked:
                run.skipped += 1
            else:
                send_once(digest=digest, subscription=subscription, documents=documents)
                run.sent += 1
            digests.clear(digest)
    return run


__all__ = ["DigestRun", "PendingDigest", "digest_mail", "send_digests"]
