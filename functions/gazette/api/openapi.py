"""The OpenAPI document, generated from the routes' pydantic models, and Swagger UI to try it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

TITLE = "Gazette alerts API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Subscribe to alerts about government documents by domain (email with double opt-in, or signed webhooks), "
    "manage subscriptions with the management token returned once, and browse what was published."
)


def register(app: Any) -> None:
    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document():
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON,
                        body=app.get_openapi_json_schema(title=TITLE, version=VERSION, description=DESCRIPTION))

    # Swagger UI's script and styles are served from the package itself: no CDN.
    app.enable_swagger(path="/docs", title=TITLE, version=VERSION, description=DESCRIPTION)
