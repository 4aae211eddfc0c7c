"""Subscription routes: subscribe, confirm, unsubscribe (RFC 8058 one-click), view, change, delete, webhooks.

The links in mails (`/confirm`, `/unsubscribe`, `/subscriptions/<id>`) show a page on GET and act
only on POST, so a mail scanner that prefetches links confirms and unsubscribes nothing. The same
POSTs answer JSON to API clients and a page to browsers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Form, Header, Path, Query
from pydantic import BaseModel

from gazette.api import actions, pages, web
from gazette.api.deps import dependencies
from gazette.api.errors import Conflict, InvalidInput
from gazette.api.models import (
    ActionResult,
    Cursor,
    DeliveryPage,
    ErrorOut,
    PingSent,
    ReplayRequest,
    ReplayResult,
    SecretRotated,
    SubscriptionChange,
    SubscriptionCreated,
    SubscriptionId,
    SubscriptionOut,
    SubscriptionRequest,
    Token,
)
from gazette.domain.subscriptions import State, SubscriptionError

router = Router()

TAGS = ["subscriptions"]
AUTH_DESCRIPTION = "`Bearer <management token>`, as returned once when subscribing."
Authorization = Annotated[str | None, Header(alias="authorization", description=AUTH_DESCRIPTION)]
SubscriptionPath = Annotated[SubscriptionId, Path()]


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"model": ErrorOut}}}


def _ok(description: str, model: type[BaseModel], *, html: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"model": model}}
    if html:
        content["text/html"] = {"schema": {"type": "string"}}
    return {"description": description, "content": content}


NOT_FOUND = {404: _error("No such subscription, or a wrong token: one answer for both.")}
UNAVAILABLE = {503: _error("The store is briefly unavailable; retry.")}
CONFLICT = {409: _error("Not applicable to this subscription (not a webhook, not active, changed meanwhile).")}


def json_response(status: int, model: BaseModel) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body=model.model_dump_json(), headers={"Cache-Control": "no-store"})


# ---------------------------------------------------------------------------------- subscribe
@router.post(
    "/subscriptions", tags=TAGS, summary="Subscribe an email address or a webhook endpoint",
    responses={
        201: _ok("Webhook subscribed and active; its secret and management token are in the body, once.",
                 SubscriptionCreated),
        202: _ok("Confirmation mail sent; nothing else is sent until it is confirmed.", SubscriptionCreated),
        429: _error("Too many confirmation mails to this address today."),
        **UNAVAILABLE,
    },
)
def create_subscription(request: Annotated[SubscriptionRequest, Body()]):
    created = actions.create_subscription(dependencies(), request)
    return json_response(202 if created.subscription.channel == "email" else 201, created)


# ---------------------------------------------------------------------------------- confirm
PAGE = {"description": "A page with a button that POSTs (following the link changes nothing).",
        "content": {"text/html": {"schema": {"type": "string"}}}}
PAGE_NOT_FOUND = {"description": "The link is incomplete (a page saying so).",
                  "content": {"text/html": {"schema": {"type": "string"}}}}


@router.get("/confirm", tags=TAGS, summary="The page a confirmation mail links to",
            responses={200: PAGE, 404: PAGE_NOT_FOUND})
def confirm_page(s: Annotated[str, Query(max_length=100)] = "",
                 t: Annotated[str, Query(max_length=200)] = ""):
    event = router.current_event
    if not (s and t):
        return web.error_page(event, 404, "not_found", [])
    return web.page(event, "confirm", subscription_id=s, token=t, done=False)


@router.post(
    "/confirm", tags=TAGS, summary="Confirm an email subscription with the token from its confirmation mail",
    responses={200: _ok("Confirmed (a page for browsers).", ActionResult, html=True), **NOT_FOUND, **UNAVAILABLE},
)
def confirm(s: Annotated[Token, Form(description="The subscription id from the mail's link.")],
            t: Annotated[Token, Form(description="The confirmation token from the mail's link.")]):
    subscription = actions.confirm(dependencies(), s, t)
    event = router.current_event
    if web.wants_html(event):
        return web.page(event, "confirm", done=True, manage_link=None)
    return json_response(200, ActionResult(subscription_id=subscription.subscription_id, state=subscription.state,
                                           changed=True))


# ---------------------------------------------------------------------------------- unsubscribe
@router.get("/unsubscribe", tags=TAGS, summary="The page an unsubscribe link opens",
            responses={200: PAGE, 404: PAGE_NOT_FOUND})
def unsubscribe_page(s: Annotated[str, Query(max_length=100)] = "",
                     t: Annotated[str, Query(max_length=200)] = ""):
    event = router.current_event
    if not (s and t):
        return web.error_page(event, 404, "not_found", [])
    return web.page(event, "unsubscribe", subscription_id=s, token=t, done=False)


@router.post(
    "/unsubscribe", tags=TAGS,
    summary="Unsubscribe (RFC 8058 one-click: the mail's List-Unsubscribe URL, body List-Unsubscribe=One-Click)",
    responses={200: _ok("Unsubscribed, or already was (a page for browsers).", ActionResult, html=True),
               **NOT_FOUND, **UNAVAILABLE},
)
def unsubscribe(
    s: Annotated[Token, Query(description="The subscription id from the mail's link.")],
    t: Annotated[Token, Query(description="The unsubscribe token from the mail's link.")],
    one_click: Annotated[str | None, Form(alias="List-Unsubscribe", max_length=20,
                                          description="`One-Click`, as RFC 8058 mail clients send it.")] = None,
):
    changed = actions.unsubscribe(dependencies(), s, t)
    event = router.current_event
    if web.wants_html(event):
        return web.page(event, "unsubscribe", done=True)
    return json_response(200, ActionResult(subscription_id=s, state=State.UNSUBSCRIBED, changed=changed))


# ---------------------------------------------------------------------------------- manage
@router.get(
    "/subscriptions/<subscription_id>", tags=TAGS,
    summary="A subscription, to the holder of its management token (browsers get the management page)",
    responses={200: _ok("The subscription.", SubscriptionOut, html=True), **NOT_FOUND, **UNAVAILABLE},
)
def view(subscription_id: SubscriptionPath, authorization: Authorization = None,
         t: Annotated[str | None, Query(max_length=200, description="Management token (pages only).")] = None,
         ):
    deps = dependencies()
    event = router.current_event
    if web.wants_html(event) and not authorization:
        return pages.manage_page(event, deps, subscription_id, t)
    subscription = actions.authorize(deps, subscription_id, actions.bearer_token(authorization))
    return json_response(200, actions.subscription_out(subscription))


@router.patch(
    "/subscriptions/<subscription_id>", tags=TAGS, summary="Change what a subscription wants",
    responses={200: _ok("The changed subscription.", SubscriptionOut), **NOT_FOUND, **CONFLICT, **UNAVAILABLE},
)
def change(subscription_id: SubscriptionPath, request: Annotated[SubscriptionChange, Body()],
           authorization: Authorization = None):
    deps = dependencies()
    current = actions.authorize(deps, subscription_id, actions.bearer_token(authorization))
    return json_response(200, actions.subscription_out(actions.change(deps, current, request)))


@router.delete(
    "/subscriptions/<subscription_id>", tags=TAGS, summary="Delete a subscription for good",
    responses={204: {"description": "Deleted."}, **NOT_FOUND, **UNAVAILABLE},
)
def delete(subscription_id: SubscriptionPath, authorization: Authorization = None):
    deps = dependencies()
    actions.authorize(deps, subscription_id, actions.bearer_token(authorization))
    actions.delete(deps, subscription_id)
    return Response(status_code=204, body="", headers={"Cache-Control": "no-store"})


# ---------------------------------------------------------------------------------- webhooks
@router.post(
    "/subscriptions/<subscription_id>/secret", tags=["webhooks"],
    summary="Rotate a webhook's signing secret (the old one keeps signing during a grace period)",
    responses={200: _ok("The new secret, shown once.", SecretRotated), **NOT_FOUND, **CONFLICT, **UNAVAILABLE},
)
def rotate_secret(subscription_id: SubscriptionPath, authorization: Authorization = None,
                  grace_hours: Annotated[int, Query(ge=0, le=168)] = 24):
    from gazette.services import webhooks

    deps = dependencies()
    actions.require_webhook(actions.authorize(deps, subscription_id, actions.bearer_token(authorization)))
    try:
        secret = webhooks.rotate_secret(deps.subscriptions, subscription_id, grace_hours=grace_hours)
    except SubscriptionError as exc:  # changed meanwhile (another rotation, or it was disabled)
        raise Conflict("The subscription changed meanwhile; try again.") from exc
    return json_response(200, SecretRotated(webhook_secret=secret, grace_hours=grace_hours))


@router.post(
    "/subscriptions/<subscription_id>/ping", tags=["webhooks"], summary="Send a signed `ping` event to the endpoint",
    responses={202: _ok("Queued for delivery.", PingSent), **NOT_FOUND, **CONFLICT, **UNAVAILABLE},
)
def ping(subscription_id: SubscriptionPath, authorization: Authorization = None):
    from gazette.services import webhooks

    deps = dependencies()
    actions.require_webhook(actions.authorize(deps, subscription_id, actions.bearer_token(authorization)))
    try:
        delivery = webhooks.send_ping(deps.subscriptions, deps.webhook_queue, subscription_id)
    except SubscriptionError as exc:
        raise Conflict("The subscription is not active.") from exc
    return json_response(202, PingSent(delivery_id=delivery))


@router.get(
    "/subscriptions/<subscription_id>/deliveries", tags=["webhooks"], summary="Recent deliveries to the endpoint",
    responses={200: _ok("A page of deliveries, newest first.", DeliveryPage), **NOT_FOUND, **CONFLICT,
               **UNAVAILABLE},
)
def deliveries(subscription_id: SubscriptionPath, authorization: Authorization = None,
               limit: Annotated[int, Query(ge=1, le=100)] = 20,
               cursor: Annotated[Cursor | None, Query()] = None):
    from gazette.services import webhooks

    deps = dependencies()
    actions.require_webhook(actions.authorize(deps, subscription_id, actions.bearer_token(authorization)))
    try:
        items, next_cursor = webhooks.list_deliveries(deps.delivery_log, subscription_id, limit=limit, cursor=cursor)
    except ValueError as exc:
        raise InvalidInput.field("query", "cursor", "not a cursor this API returned") from exc
    return json_response(200, DeliveryPage(items=items, next_cursor=next_cursor))


@router.post(
    "/subscriptions/<subscription_id>/deliveries/replay", tags=["webhooks"],
    summary="Send deliveries again: one by id, or all since a moment",
    responses={202: _ok("How many deliveries were queued again.", ReplayResult), **NOT_FOUND, **CONFLICT,
               **UNAVAILABLE},
)
def replay(subscription_id: SubscriptionPath, request: Annotated[ReplayRequest, Body()],
           authorization: Authorization = None):
    from gazette.services import webhooks

    if (request.delivery_id is None) == (request.since is None):
        raise InvalidInput.field("body", "delivery_id", "give exactly one of delivery_id and since")
    deps = dependencies()
    actions.require_webhook(actions.authorize(deps, subscription_id, actions.bearer_token(authorization)))
    since: datetime | None = request.since
    count = webhooks.replay(deps.delivery_log, deps.webhook_queue, subscription_id,
                            delivery_id=request.delivery_id, since=since)
    return json_response(202, ReplayResult(replayed=count))
