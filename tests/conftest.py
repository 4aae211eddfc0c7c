"""Shared fixtures. Unit tests need none of these; integration tests run inside moto's mock_aws."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a real AWS account, whatever the machine's configuration."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def seed_text() -> str:
    return (FIXTURES / "wendeng-2024-02.txt").read_text(encoding="utf-8")


@pytest.fixture
def aws_stack() -> Iterator[object]:
    """moto's in-process mock with every resource of template.yaml, and the functions' environment."""
    from moto import mock_aws

    from gazette_local.stack import create_stack

    with mock_aws():
        stack = create_stack("", {"AllowLoopback": "true", "PublicBaseUrl": "http://127.0.0.1:8000"})
        saved = dict(os.environ)
        os.environ.update(stack.environment())
        _reset_handler_caches()
        try:
            yield stack
        finally:
            os.environ.clear()
            os.environ.update(saved)
            _reset_handler_caches()


def _reset_handler_caches() -> None:
    """Handlers build their clients once per process (a cold start); each test is a new process."""
    import importlib

    for name in ("scheduler", "poller", "ingest", "publisher", "mailer", "webhooks"):
        try:
            module = importlib.import_module(f"gazette.handlers.{name}")
        except ImportError:
            continue
        module.dependencies.cache_clear()
