"""The OpenAPI document, generated from the routes' pydantic models, and Swagger UI to try it.

Both are built when asked for, not at cold start: Powertools' OpenAPI models (pydantic models of the
whole OpenAPI specification) are the heaviest import the API would otherwise pay on every cold start,
and only these two routes use them. /docs is the page Powertools' `enable_swagger` serves, with
Swagger UI's script and styles read from the Powertools package itself (no CDN).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_lambda_powertools.event_handler as event_handler
from aws_lambda_powertools.event_handler import Response, content_types

TITLE = "Gazette alerts API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Subscribe to alerts about government documents by domain (email with double opt-in, or signed webhooks), "
    "manage subscriptions with the management token returned once, and browse what was published."
)
_SWAGGER_UI = Path(event_handler.__file__).parent / "openapi" / "swagger_ui"


def register(app: Any) -> None:
    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document():
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON,
                        body=app.get_openapi_json_schema(title=TITLE, version=VERSION, description=DESCRIPTION))

    @app.get("/docs", include_in_schema=False)
    def swagger_ui():
        from aws_lambda_powertools.event_handler.openapi.compat import model_json
        from aws_lambda_powertools.event_handler.openapi.models import Server
        from aws_lambda_powertools.event_handler.openapi.swagger_ui import (
            generate_oauth2_redirect_html,
            generate_swagger_html,
        )

        query = app.current_event.query_string_parameters or {}
        if query.get("format") == "oauth2-redirect":
            return Response(status_code=200, content_type="text/html", body=generate_oauth2_redirect_html())
        spec = app.get_openapi_schema(title=TITLE, version=VERSION, description=DESCRIPTION,
                                      servers=[Server(url=app._get_base_path() or "/")])
        # '</' escaped so that the document cannot close the page's <script> element.
        escaped = model_json(spec, by_alias=True, exclude_none=True, indent=2).replace("</", "<\\/")
        if query.get("format") == "json":
            return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=escaped)
        script = (_SWAGGER_UI / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
        styles = (_SWAGGER_UI / "swagger-ui.min.css").read_text(encoding="utf-8")
        body = generate_swagger_html(escaped, script, styles, None, None, False)
        return Response(status_code=200, content_type="text/html", body=body)
