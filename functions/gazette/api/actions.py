"""What the subscription routes and pages do, shared by the JSON API and the forms.

Every token check answers the same NotFound for an unknown id and for a wrong token, so neither the
API nor the pages tell anyone whether a subscription exists, or whose address it is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from gazette.adapters.mail import MailRejected
from gazette.api.deps import Dependencies
from gazette.api.errors import Conflict, InvalidInput, NotFound, RateLimited, Unavailable
from gazette.api.models import (
    EmailSubscriptionRequest,
    SubscriptionChange,
    SubscriptionCreated,
    SubscriptionOut,
    WebhookSubscriptionRequest,
)
from gazette.domain.subscriptions import Channel, Narrowing, State, Subscription, SubscriptionError
from gazette.domain.urlguard import UnsafeURLError
from gazette.observability import logger, metrics, redact_email
from gazette.services.subscribe import subscribe_email, subscribe_webhook

BEARER = "bearer "


def subscription_out(subscription: Subscription) -> SubscriptionOut:
    narrowing = subscription.narrowing
    return SubscriptionOut(
        id=subscription.subscription_id, channel=subscription.channel.value, target=subscription.target,
        state=subscription.state, domains=list(subscription.domains), keywords=list(narrowing.keywords),
        feeds=list(narrowing.feeds), issuers=list(narrowing.issuers), language=narrowing.language,
        mode=subscription.mode, locale=subscription.locale,
    )


def manage_url(deps: Dependencies, subscription_id: str) -> str:
    return f"{deps.settings.public_base_url.rstrip('/')}/subscriptions/{subscription_id}"


def _narrowing(request: EmailSubscriptionRequest | WebhookSubscriptionRequest) -> Narrowing:
    return Narrowing(keywords=tuple(dict.fromkeys(request.keywords)), feeds=tuple(dict.fromkeys(request.feeds)),
                     issuers=tuple(dict.fromkeys(request.issuers)), language=request.language)


def create_subscription(deps: Dependencies,
                        request: EmailSubscriptionRequest | WebhookSubscriptionRequest) -> SubscriptionCreated:
    settings = deps.settings
    domains = list(dict.fromkeys(request.domains))
    if isinstance(request, EmailSubscriptionRequest):
        try:
            created = subscribe_email(
                deps.subscriptions, deps.mailer, address=request.email, domains=domains,
                sender=settings.sender_address, base_url=settings.public_base_url, mode=request.mode,
                locale=request.locale, narrowing=_narrowing(request), suppression=deps.suppression,
            )
        except SubscriptionError as exc:
            # subscribe_email refuses for one reason only: the address's daily confirmation limit.
            logger.info("confirmation limit reached", recipient=redact_email(request.email))
            raise RateLimited() from exc
        except MailRejected as exc:
            logger.error("confirmation mail rejected", recipient=redact_email(request.email))
            raise Unavailable() from exc
        logger.info("subscription requested", subscription_id=created.subscription.subscription_id,
                    channel="email", recipient=redact_email(request.email), domains=domains)
    else:
        try:
            created = subscribe_webhook(deps.subscriptions, url=request.url, domains=domains,
                                        narrowing=_narrowing(request), owner_email=request.owner_email,
                                        allow_loopback=settings.allow_loopback)
        except UnsafeURLError as exc:
            raise InvalidInput.field("body", "url", str(exc)) from exc
        logger.info("subscription created", subscription_id=created.subscription.subscription_id,
                    channel="webhook", host=urlsplit(request.url).hostname, domains=domains)
    metrics.add_metric(name="SubscriptionsRequested", unit="Count", value=1)
    return SubscriptionCreated(
        subscription=subscription_out(created.subscription), manage_token=created.manage_token,
        manage_url=manage_url(deps, created.subscription.subscription_id), webhook_secret=created.webhook_secret,
    )


def bearer_token(authorization: str | None) -> str:
    if authorization and authorization[: len(BEARER)].lower() == BEARER:
        return authorization[len(BEARER):].strip()
    return ""


def authorize(deps: Dependencies, subscription_id: str, token: str | None) -> Subscription:
    """The subscription its management token opens; NotFound alike for no token, a wrong one, an unknown id."""
    subscription = deps.subscriptions.verify_manage_token(subscription_id, token or "")
    if subscription is None or not token:
        raise NotFound()
    return subscription


def confirm(deps: Dependencies, subscription_id: str, token: str) -> Subscription:
    try:
        confirmed = deps.subscriptions.confirm(subscription_id, token, datetime.now(UTC))
    except SubscriptionError as exc:
        raise NotFound() from exc
    logger.info("subscription confirmed", subscription_id=subscription_id)
    metrics.add_metric(name="SubscriptionsConfirmed", unit="Count", value=1)
    return confirmed


def unsubscribe(deps: Dependencies, subscription_id: str, token: str) -> bool:
    try:
        changed = deps.subscriptions.unsubscribe(subscription_id, token)
    except SubscriptionError as exc:
        raise NotFound() from exc
    logger.info("subscription ended", subscription_id=subscription_id, changed=changed)
    return changed


def change(deps: Dependencies, current: Subscription, request: SubscriptionChange) -> Subscription:
    given = request.model_fields_set
    narrowing = current.narrowing
    new_narrowing = Narrowing(
        keywords=tuple(dict.fromkeys(request.keywords)) if request.keywords is not None else narrowing.keywords,
        feeds=tuple(dict.fromkeys(request.feeds)) if request.feeds is not None else narrowing.feeds,
        issuers=tuple(dict.fromkeys(request.issuers)) if request.issuers is not None else narrowing.issuers,
        language=request.language if "language" in given else narrowing.language,
    )
    domains = tuple(dict.fromkeys(request.domains)) if request.domains is not None else current.domains
    try:
        changed = deps.subscriptions.update(
            current.subscription_id, domains=domains, narrowing=new_narrowing,
            mode=request.mode or current.mode, locale=request.locale or current.locale,
        )
    except SubscriptionError as exc:
        raise Conflict("The subscription changed meanwhile; read it again.") from exc
    logger.info("subscription changed", subscription_id=current.subscription_id, fields=sorted(given))
    return changed


def delete(deps: Dependencies, subscription_id: str) -> None:
    deps.subscriptions.delete(subscription_id)
    logger.info("subscription deleted", subscription_id=subscription_id)


def require_webhook(subscription: Subscription) -> None:
    if subscription.channel is not Channel.WEBHOOK:
        raise Conflict("Only webhook subscriptions have secrets and deliveries.")
    if subscription.state is not State.CONFIRMED:
        raise Conflict("The subscription is not active.")
