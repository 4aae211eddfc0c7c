"""Subscriptions: who wants what, through which channel, and whether a document matches them.

A confirmed subscription is indexed once per wanted domain, so finding a document's subscribers
reads only the rows of the document's domains: its cost grows with the matches, not the total.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
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
    # Derived from the deployment's token key and the id (`unsubscribe_token`), never stored: it lives
    # only in memory and in the links of the mails.
    unsubscribe_token: str = ""


def new_subscription_id() -> str:
    return "sub_" + secrets.token_hex(12)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def legacy_hash(token: str) -> str:
    """The unkeyed SHA-256 digest that rows written before keyed hashing hold."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_token(key: bytes, token: str) -> str:
    """A token as stored: HMAC-SHA256 under the deployment's token key, of the token's SHA-256 digest.

    Keyed, so a leaked table alone lets no one confirm, manage or unsubscribe; hashing the digest
    (not the token) lets a row holding only a legacy digest be upgraded without the raw token
    (`rekey_legacy_hash`), ending in the same value.
    """
    return rekey_legacy_hash(key, legacy_hash(token))


def rekey_legacy_hash(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


def token_matches(key: bytes, token: str, stored_hash: str | None) -> bool:
    """Constant-time comparison of a presented token with a stored keyed hash (False when none is stored)."""
    expected = stored_hash or ""
    return hmac.compare_digest(hash_token(key, token), expected) and bool(stored_hash)


def unsubscribe_token(key: bytes, subscription_id: str) -> str:
    """The token of a subscription's unsubscribe links: an HMAC of its id, so nothing needs storing."""
    mac = hmac.new(key, b"unsubscribe\x00" + subscription_id.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def unsubscribe_token_matches(key: bytes, subscription_id: str, token: str) -> bool:
    return hmac.compare_digest(unsubscribe_token(key, subscription_id).encode(), token.encode("utf-8"))


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
