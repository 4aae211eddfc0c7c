"""HTTP API (API Gateway HTTP API, payload v2) -> the subscription, document and feed routes, and pages."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths

from gazette.api import atom, documents, errors, feeds, openapi, pages, sources, subscriptions, web
from gazette.api.deps import dependencies  # noqa: F401 - the local runner clears it on a cold start
from gazette.observability import logger, metrics

app = APIGatewayHttpResolver(enable_validation=True,
                             response_validation_error_http_code=HTTPStatus.INTERNAL_SERVER_ERROR)
errors.register(app, pages=web)
for module in (subscriptions, documents, feeds, pages, atom, sources):
    app.include_router(module.router)
openapi.register(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
