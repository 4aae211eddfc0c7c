"""One settings model per function, read once at cold start from the environment the template sets.

Each model's fields are read from the environment variables of the same name (case-insensitively;
values given to the constructor win) and validated by pydantic. A model's validator is built the first
time it is used (`defer_build`): a function builds its own settings model, not all of them.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    def __init__(self, **values: Any) -> None:
        environment = {name.lower(): value for name, value in os.environ.items()}
        found = {name: environment[name] for name in type(self).model_fields if name in environment}
        super().__init__(**{**found, **values})


class SchedulerSettings(_Settings):
    feeds_table: str
    feed_jobs_queue_url: str


class _GuestSettings(_Settings):
    """What every function that fetches from a source's host needs to be a polite guest there."""

    feeds_table: str  # the host rows (`host#<host>`) that space requests across functions
    allow_loopback: bool = False
    # Politeness: one request at a time per host, at least this many seconds apart, across every
    # source, poller and document fetch; robots.txt read again after robots_ttl seconds. 0 only
    # where one loopback host stands in for many sites (the benchmarks).
    host_min_interval: float = Field(default=2.0, ge=0, le=600)
    host_max_wait: float = Field(default=60.0, ge=0)  # longer for a busy host: the work is put off
    robots_ttl: int = Field(default=86400, ge=60)
    contact_url: str = ""  # named in the User-Agent, so site operators can reach the deployment
    public_base_url: str = ""  # the contact when no contact_url is set

    @property
    def user_agent(self) -> str:
        contact = self.contact_url or self.public_base_url
        return f"GazetteAlerts/0.1 (+{contact})" if contact else "GazetteAlerts/0.1"


class PollerSettings(_GuestSettings):
    entries_table: str
    entries_queue_url: str
    lease_seconds: int = Field(default=150, ge=10)
    fetch_connect_timeout: float = Field(default=5.0, gt=0)
    fetch_read_timeout: float = Field(default=20.0, gt=0)
    max_feed_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    poll_workers: int = Field(default=20, ge=1, le=100)  # feeds of one batch polled at the same time


class IngestSettings(_GuestSettings):
    documents_table: str
    document_index_table: str
    entries_dlq_url: str
    max_receive_count: int = Field(default=5, ge=1)  # the entries queue's redrive maxReceiveCount
    documents_bucket: str
    max_document_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    fetch_connect_timeout: float = Field(default=5.0, gt=0)
    fetch_read_timeout: float = Field(default=60.0, gt=0)


class PublisherSettings(_Settings):
    documents_topic_arn: str
    public_base_url: str = ""  # where each document's page is linked from its event (`page_url`)


class MailerSettings(_Settings):
    subscriptions_table: str
    token_key_secret_arn: str  # the key of the keyed token hashes and of unsubscribe links
    email_dlq_url: str
    max_receive_count: int = Field(default=5, ge=1)  # the email queue's redrive maxReceiveCount
    idempotency_table: str
    sender_address: str
    public_base_url: str
    documents_bucket: str
    ses_configuration_set: str = ""
    subscriber_cache_seconds: int = Field(default=60, ge=0, le=3600)


class DigestSettings(_Settings):
    subscriptions_table: str
    token_key_secret_arn: str  # the key of the keyed token hashes and of unsubscribe links
    idempotency_table: str
    sender_address: str
    public_base_url: str
    ses_configuration_set: str = ""


class SesEventsSettings(_Settings):
    subscriptions_table: str


class WebhookSettings(_Settings):
    subscriptions_table: str
    token_key_secret_arn: str  # the key of the keyed token hashes and of unsubscribe links
    idempotency_table: str
    webhook_queue_url: str
    webhook_dlq_url: str
    delivery_log_table: str
    sender_address: str  # the owner of an endpoint whose deliveries keep failing is told from here
    public_base_url: str = ""
    ses_configuration_set: str = ""
    allow_loopback: bool = False  # the local stack only: loopback addresses and plain http
    delivery_timeout: float = Field(default=15.0, gt=0)  # the whole POST, connect to last byte
    max_queue_delay: int = Field(default=900, ge=0, le=900)  # SQS's own limit; longer waits re-enqueue
    disable_after_days: float = Field(default=5.0, gt=0)  # of failures without a success


class ApiSettings(_Settings):
    subscriptions_table: str
    token_key_secret_arn: str  # the key of the keyed token hashes and of unsubscribe links
    delivery_log_table: str
    documents_table: str
    document_index_table: str
    feeds_table: str
    documents_bucket: str
    webhook_queue_url: str
    sender_address: str
    public_base_url: str
    allow_loopback: bool = False
    ses_configuration_set: str = ""
