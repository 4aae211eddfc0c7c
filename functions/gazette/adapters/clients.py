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


def aws_client(service: str) -> Any:
    import boto3

    return boto3.client(service, config=CONFIG)
