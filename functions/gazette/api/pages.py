"""Web pages for people: subscribe, manage preferences, and the latest documents of each domain.

Confirmation and unsubscription pages live with their routes in subscriptions.py. These forms post
back to the same Lambda; a bad form is shown again with each bad field named beside it.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Form, Path, Query
from pydantic import ValidationError

from gazette.api import actions, listing, web
from gazette.api.atom import atom_link
from gazette.api.deps import Dependencies, dependencies
from gazette.api.errors import RateLimited
from gazette.api.models import BrowseFilters, EmailSubscriptionRequest, SubscriptionChange, SubscriptionId
from gazette.domain.reading import reading_summary
from gazette.domain.subscriptions import Mode, Subscription

router = Router()

FormText = Annotated[str, Form(max_length=1000)]
FormList = Annotated[list[Annotated[str, Form(max_length=100)]] | None, Form()]
_FIELD_ERRORS = {"email": "error_email", "domains": "error_domains", "mode": "error_mode", "locale": "error_locale",
                 "since": "error_date", "until": "error_date", "cursor": "error_cursor"}


def _form_errors(exc: ValidationError) -> dict[str, str]:
    """Field name -> the key of its message in the page texts."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "email"
        errors.setdefault(field, _FIELD_ERRORS.get(field, "error_generic"))
    return errors


def _subscribe_form(event: Any, locale: str, *, status: int = 200, values: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None) -> Response:
    values = values or {"email": "", "domains": [], "mode": Mode.INSTANT.value, "locale": locale}
    return web.page(event, "subscribe", status=status, locale=locale, values=values, errors=errors or {},
                    modes=[mode.value for mode in Mode])


@router.get("/", include_in_schema=False)
def home(lang: Annotated[str | None, Query(max_length=5)] = None):
    event = router.current_event
    return _subscribe_form(event, web.pick_locale(event, lang))


@router.post("/subscribe", include_in_schema=False)
def subscribe(email: FormText = "", domains: FormList = None, mode: FormText = "instant", locale: FormText = "",
              lang: FormText = ""):
    event = router.current_event
    page_locale = web.pick_locale(event, lang or None)
    values = {"email": email.strip(), "domains": domains or [], "mode": mode, "locale": locale or page_locale}
    try:
        request = EmailSubscriptionRequest.model_validate({"channel": "email", **values})
    except ValidationError as exc:
        return _subscribe_form(event, page_locale, status=422, values=values, errors=_form_errors(exc))
    try:
        created = actions.create_subscription(dependencies(), request)
    except RateLimited:
        return web.error_page(event, 429, "rate_limited", [])
    manage = f"{created.manage_url}?" + urlencode({"t": created.manage_token, "lang": page_locale})
    return web.page(event, "subscribed", status=202, locale=page_locale, manage_link=manage)


# ---------------------------------------------------------------------------------- manage
def manage_page(event: Any, deps: Dependencies, subscription_id: str, token: str | None, *,
                saved: bool = False, status: int = 200) -> Response:
    if not token:
        return web.page(event, "manage", status=status, subscription_id=subscription_id, subscription=None)
    subscription = actions.authorize(deps, subscription_id, token)
    return _manage_view(event, subscription, token, saved=saved, status=status)


def _manage_view(event: Any, subscription: Subscription, token: str, *, saved: bool = False, status: int = 200,
                 errors: dict[str, str] | None = None) -> Response:
    return web.page(event, "manage", status=status, subscription_id=subscription.subscription_id,
                    subscription=subscription, token=token, saved=saved, errors=errors or {},
                    modes=[mode.value for mode in Mode],
                    unsubscribe_link=web.link("/unsubscribe", web.pick_locale(event),
                                              s=subscription.subscription_id, t=subscription.unsubscribe_token))


@router.post("/subscriptions/<subscription_id>/preferences", include_in_schema=False)
def save_preferences(subscription_id: Annotated[SubscriptionId, Path()], t: FormText = "",
                     domains: FormList = None, mode: FormText = "instant", locale: FormText = "zh"):
    event = router.current_event
    deps = dependencies()
    current = actions.authorize(deps, subscription_id, t)
    try:
        request = SubscriptionChange.model_validate({"domains": domains or [], "mode": mode, "locale": locale})
    except ValidationError as exc:
        return _manage_view(event, current, t, status=422, errors=_form_errors(exc))
    changed = actions.change(deps, current, request)
    return _manage_view(event, changed, t, saved=True)


@router.post("/subscriptions/<subscription_id>/delete", include_in_schema=False)
def delete_subscription(subscription_id: Annotated[SubscriptionId, Path()], t: FormText = ""):
    event = router.current_event
    deps = dependencies()
    actions.authorize(deps, subscription_id, t)
    actions.delete(deps, subscription_id)
    return web.page(event, "message", title_key="deleted_title", body_key="deleted_body", problems=[])


# ---------------------------------------------------------------------------------- browse
BROWSE_PAGE = 20
PageText = Annotated[str, Query(max_length=200)]


def _listed(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "gist": reading_summary(row.get("summary", ""), row.get("title", ""))}


@router.get("/browse", include_in_schema=False)
def browse(lang: Annotated[str | None, Query(max_length=5)] = None, domain: PageText = "", feed: PageText = "",
           issuer: PageText = "", since: PageText = "", until: PageText = "", q: PageText = "",
           cursor: Annotated[str, Query(max_length=2048)] = ""):
    """Documents newest first, narrowed by the form's filters, a page at a time; every page has its own URL."""
    event = router.current_event
    locale = web.pick_locale(event, lang)
    raw = {"domain": domain, "feed": feed, "issuer": issuer, "since": since, "until": until, "q": q}
    try:
        form = BrowseFilters.model_validate({**raw, "cursor": cursor})
    except ValidationError as exc:
        return web.page(event, "browse", status=422, locale=locale, values=raw, errors=_form_errors(exc),
                        documents=[], next_link=None, first_link=None, filters={})
    filters = listing.Filters(domain=form.domain, feed=form.feed, issuer=form.issuer, since=form.since,
                              until=form.until, q=form.q)
    found = listing.find(dependencies().index, filters, limit=BROWSE_PAGE, cursor=form.cursor)
    query = filters.query()
    feed = {"title": web.TEXTS[locale]["atom_this"], "href": atom_link(filters, locale)}
    return web.page(
        event, "browse", locale=locale, values=raw, errors={}, documents=[_listed(row) for row in found.rows],
        atom_feeds=[feed],
        filters=query, next_link=web.link("/browse", locale, **query, cursor=found.next_cursor)
        if found.next_cursor else None, first_link=web.link("/browse", locale, **query) if form.cursor else None)
