"""The watched feeds and their health: last success, consecutive failures, gaps between polls."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from gazette.api.deps import dependencies
from gazette.api.models import ErrorOut, FeedHealth, FeedList

router = Router()


def feed_health(item: dict[str, Any]) -> FeedHealth:
    failures = int(item.get("consecutive_failures") or 0)
    enabled = bool(item.get("enabled", True))
    return FeedHealth(
        id=item["feed_id"], name=item.get("name") or item["feed_id"], url=item.get("url", ""),
        issuer=item.get("issuer") or None, language=item.get("language"), enabled=enabled,
        healthy=enabled and failures == 0, last_checked_at=_moment(item.get("last_checked_at")),
        last_success_at=item.get("last_success_at"), last_error_at=item.get("last_error_at"),
        consecutive_failures=failures, last_gap_at=item.get("gap_detected_at"),
    )


def _moment(value: Any) -> str | None:
    """last_checked_at is kept as epoch seconds (the lease arithmetic needs a number)."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).isoformat()
    return str(value)


@router.get(
    "/feeds", tags=["feeds"], summary="Every watched feed with its health",
    responses={200: {"description": "The feeds.", "content": {"application/json": {"model": FeedList}}},
               503: {"description": "The store is briefly unavailable; retry.",
                     "content": {"application/json": {"model": ErrorOut}}}},
)
def list_feeds():
    feeds = sorted(dependencies().feeds.list_feeds(), key=lambda item: item["feed_id"])
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON,
                    body=FeedList(items=[feed_health(item) for item in feeds]).model_dump_json())
