"""Server-rendered pages: the Jinja2 environment, the page language, and the headers every page gets.

Pages need no JavaScript and no cookie: every action is a plain form whose link token is its only
credential, so a mail scanner that follows links (GET) changes nothing, and only a POST acts.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response

from gazette.api.models import DOMAINS, FieldProblem
from gazette.api.page_texts import TEXTS
from gazette.domain.labels import domain_labels
from gazette.domain.render import template_environment

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

_STATUS_PAGES = {
    404: ("not_found_title", "not_found_body"),
    422: ("invalid_title", "invalid_body"),
    415: ("invalid_title", "invalid_body"),
    429: ("rate_limited_title", "rate_limited_body"),
}


def _header(event: Any, name: str) -> str:
    return str((event.headers or {}).get(name) or "")


def wants_html(event: Any) -> bool:
    """A browser asks for HTML first; API clients (and one-click unsubscribers) get JSON."""
    accept = _header(event, "accept").lower()
    if "text/html" not in accept:
        return False
    json_at = accept.find("application/json")
    return json_at == -1 or accept.find("text/html") < json_at


def pick_locale(event: Any, explicit: str | None = None) -> str:
    """`lang` from the query or form first, then the browser's Accept-Language; Chinese by default."""
    wanted = explicit or (event.query_string_parameters or {}).get("lang")
    if wanted in TEXTS:
        return str(wanted)
    first = _header(event, "accept-language").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh"


def link(path: str, locale: str, **params: str) -> str:
    query = {**params, "lang": locale}
    return f"{path}?{urlencode(query)}"


def page(event: Any, template: str, *, status: int = 200, locale: str | None = None, **context: Any) -> Response:
    lang = locale or pick_locale(event)
    texts = TEXTS[lang]
    labels = domain_labels(lang)
    body = template_environment().get_template(f"pages/{template}.html.j2").render(
        t=texts, locale=lang, labels=labels, domains=DOMAINS, link=link, path=event.path, **context)
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=body,
                    headers=dict(PAGE_HEADERS))


def error_page(event: Any, status: int, code: str, detail: list[FieldProblem]) -> Response:
    title_key, body_key = _STATUS_PAGES.get(status, ("error_title", "error_body"))
    return page(event, "message", status=status, title_key=title_key, body_key=body_key,
                problems=[problem.field for problem in detail])
