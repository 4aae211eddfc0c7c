"""AWS clients as every function builds them, once per container.

Parameter validation is off: botocore walks every nested field of every request in Python before
sending it, which on our batched calls (a hundred conditional puts, ten SNS messages) costs more CPU
than the rest of the call. The requests are built by the adapters alone, and AWS validates them
anyway; a malformed one still fails, with the service's error instead of botocore's.

Clients are thread-safe; their connection pool is big enough for the poller's threads.

The User-Agent is fixed: botocore otherwise rebuilds and sanitises it on every request (about a
tenth of a call's CPU here).
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config

CONFIG = Config(
    parameter_validation=False,
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=30,
    tcp_keepalive=True,
    max_pool_connections=25,  # the poller's threads (up to 20 feeds of a batch at once) share one client
    user_agent="gazette-alerts/0.1 (+https://github.com/gazette-alerts)",
)


# Services speaking AWS's query protocol (form-encoded bodies) among the ones we call.
FORM_ENCODED = {"sns"}


def encode_form_once(request: Any, **_: Any) -> None:
    """Form-encodes a query-protocol body once, as botocore would, before the request is signed.

    botocore keeps the body as a dict and encodes it again each time the request is prepared (once
    for the signature, once to send): percent-encoding ten SNS messages of Chinese text byte by byte
    is most of a publish's CPU, and doing it twice doubles that.
    """
    from urllib.parse import urlencode

    if isinstance(request.data, dict):
        request.data = urlencode([(_utf8(key), _utf8(value)) for key, value in request.data.items()], doseq=True)


def _utf8(value: Any) -> Any:
    return value.encode("utf-8") if isinstance(value, str) else value


def aws_client(service: str) -> Any:
    import boto3

    client = boto3.client(service, config=CONFIG)
    if service in FORM_ENCODED:
        client.meta.events.register_first(f"request-created.{service}", encode_form_once)
    return client


class LazyClient:
    """A client made at its first call: one a function seldom needs (its dead-letter queue, the bucket
    read only for keyword narrowing) costs nothing until then; building a client costs milliseconds."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = aws_client(self._service)
        return getattr(self._client, name)


def lazy_client(service: str) -> Any:
    return LazyClient(service)
