"""Creating and confirming subscriptions: double opt-in for email, a secret shown once for webhooks."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from gazette.adapters.mail import MailSender
from gazette.adapters.mail_state import SuppressionList, address_hash
from gazette.adapters.subscription_store import SubscriptionStore
from gazette.domain.labels import domain_labels
from gazette.domain.render import MailIdentity, render_confirmation
from gazette.domain.signing import new_secret
from gazette.domain.subscriptions import (
    Channel,
    Mode,
    Narrowing,
    State,
    Subscription,
    SubscriptionError,
    confirmation_expiry,
    new_subscription_id,
    new_token,
)
from gazette.domain.urlguard import Resolver, UnsafeURLError, check_url
from gazette.services.notify import unsubscribe_url

CONFIRMATIONS_PER_DAY = 3


@dataclass(frozen=True, slots=True)
class Created:
    subscription: Subscription
    manage_token: str  # returned once; only its keyed hash is stored
    webhook_secret: str | None = None  # returned once, for webhook endpoints


def subscribe_email(
    store: SubscriptionStore,
    mailer: MailSender,
    *,
    address: str,
    domains: list[str],
    sender: str,
    base_url: str,
    mode: Mode = Mode.INSTANT,
    locale: str = "zh",
    narrowing: Narrowing | None = None,
    now: datetime | None = None,
    suppression: SuppressionList | None = None,
) -> Created:
    """Records a pending subscription and sends the one confirmation mail; nothing else before it.

    A suppressed address (it bounced for good or complained) gets no mail at all; the caller is told
    nothing different, so the form cannot be used to learn which addresses are suppressed.
    """
    moment = now or datetime.now(UTC)
    if not store.count_confirmation(address_hash(address), moment.date().isoformat(), CONFIRMATIONS_PER_DAY):
        raise SubscriptionError("too many confirmation mails for this address today")
    subscription_id = new_subscription_id()
    subscription = Subscription(
        subscription_id=subscription_id, channel=Channel.EMAIL, target=address.strip(),
        domains=tuple(dict.fromkeys(domains)), mode=mode, locale=locale, narrowing=narrowing or Narrowing(),
        state=State.PENDING, unsubscribe_token=store.unsubscribe_token(subscription_id),
    )
    confirm_token, manage_token = new_token(), new_token()
    store.create_pending(subscription, confirm_token=confirm_token,
                         confirm_expires_at=confirmation_expiry(moment), manage_token=manage_token)
    confirm_url = f"{base_url.rstrip('/')}/confirm?" + urlencode(
        {"s": subscription.subscription_id, "t": confirm_token})
    identity = MailIdentity(sender=sender, recipient=subscription.target,
                            unsubscribe_url=unsubscribe_url(base_url, subscription),
                            manage_url=f"{base_url.rstrip('/')}/subscriptions/{subscription.subscription_id}")
    if suppression is not None and suppression.suppressed([subscription.target]):
        return Created(subscription, manage_token)
    mailer.send(render_confirmation(identity, confirm_url=confirm_url, domains=list(subscription.domains),
                                    locale=locale, labels=domain_labels(locale),
                                    message_key=f"confirm.{subscription.subscription_id}"))
    return Created(subscription, manage_token)


def subscribe_webhook(
    store: SubscriptionStore,
    *,
    url: str,
    domains: list[str],
    narrowing: Narrowing | None = None,
    now: datetime | None = None,
    owner_email: str | None = None,
    allow_loopback: bool = False,
    resolver: Resolver = socket.getaddrinfo,
) -> Created:
    """A webhook endpoint is confirmed at once: its owner holds the secret, shown only here.

    The URL must be https (http and loopback only where `allow_loopback`, the local stack), and its
    host must resolve to public addresses only; every send checks again. Raises UnsafeURLError.
    """
    try:
        check_url(url, allow_loopback=allow_loopback, allow_http=allow_loopback, resolver=resolver)
    except OSError as exc:
        raise UnsafeURLError("refused host that does not resolve") from exc
    moment = now or datetime.now(UTC)
    subscription_id = new_subscription_id()
    subscription = Subscription(
        subscription_id=subscription_id, channel=Channel.WEBHOOK, target=url,
        domains=tuple(dict.fromkeys(domains)), narrowing=narrowing or Narrowing(), state=State.PENDING,
        unsubscribe_token=store.unsubscribe_token(subscription_id),
    )
    confirm_token, manage_token, secret = new_token(), new_token(), new_secret()
    store.create_pending(subscription, confirm_token=confirm_token,
                         confirm_expires_at=confirmation_expiry(moment), manage_token=manage_token,
                         webhook_secret=secret, owner_email=owner_email)
    confirmed = store.confirm(subscription.subscription_id, confirm_token, moment)
    return Created(confirmed, manage_token, secret)
