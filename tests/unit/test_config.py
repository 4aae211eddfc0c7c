"""Each function's settings: read once from the environment the template sets, validated, with defaults."""

import pytest
from pydantic import ValidationError

from gazette.config import IngestSettings, MailerSettings, PollerSettings, SchedulerSettings, WebhookSettings
from gazette_local.template import function_environment, load_template


def test_scheduler_settings_read_the_template_names(monkeypatch):
    monkeypatch.setenv("FEEDS_TABLE", "feeds")
    monkeypatch.setenv("FEED_JOBS_QUEUE_URL", "https://sqs.example/jobs")
    settings = SchedulerSettings()
    assert (settings.feeds_table, settings.feed_jobs_queue_url) == ("feeds", "https://sqs.example/jobs")


def test_missing_setting_names_the_variable(monkeypatch):
    monkeypatch.delenv("FEEDS_TABLE", raising=False)
    monkeypatch.setenv("FEED_JOBS_QUEUE_URL", "x")
    with pytest.raises(ValidationError, match="feeds_table"):
        SchedulerSettings()


def test_poller_settings_default_to_a_closed_network_and_bounded_fetches(monkeypatch):
    for name in ("FEEDS_TABLE", "ENTRIES_TABLE", "ENTRIES_QUEUE_URL"):
        monkeypatch.setenv(name, "x")
    monkeypatch.delenv("ALLOW_LOOPBACK", raising=False)
    settings = PollerSettings()
    assert settings.allow_loopback is False
    assert settings.max_feed_bytes == 10 * 1024 * 1024
    monkeypatch.setenv("ALLOW_LOOPBACK", "true")
    assert PollerSettings().allow_loopback is True


def test_bad_values_are_refused(monkeypatch):
    for name in ("FEEDS_TABLE", "ENTRIES_TABLE", "ENTRIES_QUEUE_URL"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("LEASE_SECONDS", "1")
    with pytest.raises(ValidationError, match="lease_seconds"):
        PollerSettings()


@pytest.mark.parametrize(("settings_class", "function"), [
    (SchedulerSettings, "SchedulerFunction"), (PollerSettings, "PollerFunction"), (IngestSettings, "IngestFunction"),
    (MailerSettings, "MailerFunction"), (WebhookSettings, "WebhooksFunction"),
])
def test_the_template_sets_every_required_setting_of_each_function(settings_class, function):
    provided = {name.lower() for name in function_environment(load_template(), function)}
    required = {name for name, field in settings_class.model_fields.items() if field.is_required()}
    assert required <= provided, sorted(required - provided)
