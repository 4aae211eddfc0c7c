"""Subscriptions: who wants what, through which channel, and whether a document matches them.

A confirmed subscription is indexed once per wanted domain, so finding a document's subscribers
reads only the rows of the document's domains: its cost grows with the matches, not the total.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

CONFIRMATION_TTL = timedelta(hours=48)


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class Mode(StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"


class State(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    DISABLED = "disabled"


class SubscriptionError(ValueError):
    """A request about a subscription that cannot be honoured (bad, expired or used token...)."""


@dataclass(frozen=True, slots=True)
class Narrowing:
    """Optional filters on top of the domains; empty means no narrowing."""

    keywords: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    language: str | None = None

    def accepts(self, *, title: str, text: str, feed_id: str, issuer: str | None, language: str) -> bool:
        if self.feeds and feed_id not in self.feeds:
            return False
        if self.issuers and (issuer or "") not in self.issuers:
            return False
        if self.language and not language.startswith(self.language):
            return False
        if self.keywords:
            haystack = f"{title}\n{text}".lower()
            return any(keyword.lower() in haystack for keyword in self.keywords)
        return True


@dataclass(frozen=True, slots=True)
class Subscription:
    subscription_id: str
    channel: Channel
    target: str  # an email address or a webhook URL
    domains: tuple[str, ...]
    mode: Mode = Mode.INSTANT
    locale: str = "zh"
    narrowing: Narrowing = field(default_factory=Narrowing)
    state: State = State.PENDING
    unsubscribe_token: str = ""


def new_subscription_id() -> str:
    return "sub_" + secrets.token_hex(12)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are stored hashed: a leaked table does not let anyone confirm or manage."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def confirmation_expiry(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) + CONFIRMATION_TTL


def matches(subscription: Subscription, *, domains: list[str], title: str, text: str, feed_id: str,
            issuer: str | None, language: str) -> bool:
    """True when the document is one this confirmed subscription asked for."""
    if subscription.state is not State.CONFIRMED:
        return False
    if not set(subscription.domains).intersection(domains):
        return False
    return subscription.narrowing.accepts(
        title=title, text=text, feed_id=feed_id, issuer=issuer, language=language
    )
