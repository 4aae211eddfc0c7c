"""Typed API errors, and the one place that maps every error to an HTTP status and body.

What a client sends never produces a 500: bad input is a 422 naming each bad field, an unknown id
and a wrong token give the same 404 (so the API is no oracle for which subscriptions exist), and a
store outage is a 503 worth retrying. Only a bug of ours is a 500, logged with its type only.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Protocol

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from gazette.adapters.errors import StoreError
from gazette.api.models import ErrorOut, FieldProblem
from gazette.observability import logger

NOT_FOUND_MESSAGE = "Nothing matches this link or token."
CHANNELS = {"email", "webhook"}  # the tags of the subscription request union


class ApiError(Exception):
    status = HTTPStatus.INTERNAL_SERVER_ERROR
    code = "internal"
    message = "Something went wrong on our side."

    def __init__(self, message: str | None = None, *, detail: list[FieldProblem] | None = None) -> None:
        super().__init__(message or self.message)
        self.public_message = message or self.message
        self.detail = detail or []


class NotFound(ApiError):
    """An unknown id, a wrong token, an expired or used link: one answer for all of them."""

    status = HTTPStatus.NOT_FOUND
    code = "not_found"
    message = NOT_FOUND_MESSAGE


class InvalidInput(ApiError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "invalid_request"
    message = "The request has invalid fields; see detail."

    @classmethod
    def field(cls, location: str, name: str, message: str, kind: str = "value_error") -> InvalidInput:
        return cls(detail=[FieldProblem(loc=[location, name], msg=message, type=kind, field=f"{location}.{name}")])


class Conflict(ApiError):
    status = HTTPStatus.CONFLICT
    code = "conflict"
    message = "The request does not apply to this subscription."


class RateLimited(ApiError):
    status = HTTPStatus.TOO_MANY_REQUESTS
    code = "rate_limited"
    message = "Too many requests of this kind; try again tomorrow."


class Unavailable(ApiError):
    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "unavailable"
    message = "The service is briefly unavailable; try again."


def error_body(code: str, message: str, detail: list[FieldProblem] | None = None) -> str:
    return ErrorOut(error=code, message=message, detail=detail or []).model_dump_json()


def problems_of(errors: list[dict[str, Any]]) -> list[FieldProblem]:
    """Powertools/pydantic validation errors as problems that name each field."""
    problems = []
    for error in errors:
        loc = [part if isinstance(part, int) else str(part) for part in error.get("loc", ())]
        message = error.get("msg") or _MESSAGES.get(error.get("type", ""), "invalid value")
        named = loc
        if len(loc) >= 3 and loc[0] == "body" and loc[1] in CHANNELS:
            named = [loc[0], *loc[2:]]  # drop the union's tag: `body.email.domains.0` is `body.domains.0`
        problems.append(FieldProblem(loc=loc, msg=str(message), type=str(error.get("type", "value_error")),
                                     field=".".join(str(part) for part in named) or "body"))
    return problems


_MESSAGES = {
    "missing": "field required",
    "json_invalid": "body is not valid JSON",
    "model_attributes_type": "body must be a JSON object",
    "union_tag_not_found": "channel is required: email or webhook",
    "union_tag_invalid": "channel must be email or webhook",
    "unsupported_content_type": "unsupported content type",
}


class PageRenderer(Protocol):
    """Renders an error as a page for a browser (gazette.api.pages)."""

    def wants_html(self, event: Any) -> bool: ...

    def error_page(self, event: Any, status: int, code: str, detail: list[FieldProblem]) -> Response: ...


def allowed_methods(app: Any, path: str) -> list[str]:
    """Methods that do have a route at `path`: a 405 names them in `Allow` (Powertools only says 404)."""
    routes = [*getattr(app, "_static_routes", []), *getattr(app, "_dynamic_routes", [])]
    return sorted({route.method for route in routes if route.rule.match(path)})


def register(app: Any, pages: PageRenderer | None = None) -> None:
    """Installs the mapping on the resolver: the only place where errors become statuses."""

    def _respond(status: int, code: str, message: str, detail: list[FieldProblem] | None = None) -> Response:
        if pages is not None and pages.wants_html(app.current_event):
            return pages.error_page(app.current_event, status, code, detail or [])
        return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                        body=error_body(code, message, detail))

    @app.exception_handler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return _respond(exc.status, exc.code, exc.public_message, exc.detail)

    @app.exception_handler(RequestValidationError)
    def invalid(exc: RequestValidationError) -> Response:
        problems = problems_of(list(exc.errors()))
        logger.info("request rejected", path=app.current_event.path, fields=[p.field for p in problems])
        return _respond(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid_request", InvalidInput.message, problems)

    @app.exception_handler(RequestUnsupportedContentType)
    def unsupported(exc: RequestUnsupportedContentType) -> Response:
        return _respond(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                        "Send application/json (or a form where the route takes one).", problems_of(list(exc.errors())))

    @app.not_found
    def not_found(exc: NotFoundError) -> Response:
        allowed = allowed_methods(app, app.current_event.path)
        if allowed:
            response = _respond(HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "Method not allowed here.")
            response.headers["Allow"] = ", ".join(allowed)
            return response
        return _respond(HTTPStatus.NOT_FOUND, "not_found", "No such resource.")

    @app.exception_handler(ValueError)
    def value_error(exc: ValueError) -> Response:
        # Two client mistakes reach us as bare ValueErrors from the body parsers: a body that is not
        # UTF-8, and a multipart body (which no route takes). Anything else is a bug of ours.
        if isinstance(exc, UnicodeDecodeError):
            return _respond(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid_request", InvalidInput.message,
                            [FieldProblem(loc=["body"], msg="body is not UTF-8 text", type="unicode_error",
                                          field="body")])
        content_type = str((app.current_event.headers or {}).get("content-type") or "").lower()
        if content_type.startswith("multipart/"):
            return _respond(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                            "Send application/json (or a form where the route takes one).")
        return unexpected(exc)

    @app.exception_handler(StoreError)
    def store_error(exc: StoreError) -> Response:
        logger.warning("store unavailable", path=app.current_event.path, cause=type(exc.__cause__).__name__)
        return _respond(Unavailable.status, Unavailable.code, Unavailable.message)

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response:
        logger.exception("request failed", path=app.current_event.path, error=type(exc).__name__)
        return _respond(HTTPStatus.INTERNAL_SERVER_ERROR, ApiError.code, ApiError.message)
