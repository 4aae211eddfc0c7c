"""Request and response models of the HTTP API: the OpenAPI document is generated from these.

Inbound models forbid unknown fields and bound every string and list, so whatever a client sends is
either a valid request or a 422 that names each bad field. Outbound models are what the API returns,
kept apart from the domain objects and the stored items.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from gazette.domain.subscriptions import Mode, State
from gazette.domain.taxonomy import load_taxonomy

# The domains users can ask for are the taxonomy's (data, not code): the schema lists them as an enum.
DOMAINS: tuple[str, ...] = tuple(load_taxonomy().domains)
DomainName = Literal[DOMAINS]  # type: ignore[valid-type]
DomainOrNone = Literal[(*DOMAINS, "none")]  # type: ignore[valid-type]  # "none": documents in no domain

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^[A-Za-z0-9._%+-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$"
Email = Annotated[str, StringConstraints(min_length=6, max_length=254, pattern=EMAIL_PATTERN)]
WebhookUrl = Annotated[str, StringConstraints(min_length=10, max_length=2048,
                                              pattern=r"^https?://[^\s/@\\?#]+(?:[/?#][^\s\\]*)?$")]
Keyword = Annotated[str, StringConstraints(min_length=1, max_length=100,
                                           pattern=r"^[^\x00-\x1f\x7f]+$")]
FeedId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._-]+$")]
Issuer = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                          pattern=r"^[^\x00-\x1f\x7f]+$")]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
Locale = Literal["zh", "en"]
SubscriptionId = Annotated[str, StringConstraints(pattern=r"^sub_[0-9a-f]{24}$")]
Token = Annotated[str, StringConstraints(min_length=1, max_length=200)]
DeliveryId = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=r"^[A-Za-z0-9_-]+$")]


def _iso_text(pattern: str, example: str):
    """Dates and times only as ISO 8601 text, as the schema says: not pydantic's lax numbers (epoch seconds)."""
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise ValueError(f"use ISO 8601 text such as {example}")
        return value

    return BeforeValidator(check)


IsoDate = Annotated[date, _iso_text(r"\d{4}-\d{2}-\d{2}", "2024-05-02")]
IsoDateTime = Annotated[datetime, _iso_text(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?",
                                            "2024-05-02T08:00:00Z")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


# ------------------------------------------------------------------------------ subscriptions
class _Wants(_In):
    domains: list[DomainName] = Field(min_length=1, max_length=len(DOMAINS),
                                      description="The domains to be alerted about.")
    keywords: list[Keyword] = Field(default_factory=list, max_length=20,
                                    description="If given, only documents whose title or summary holds one.")
    feeds: list[FeedId] = Field(default_factory=list, max_length=50, description="If given, only these feeds.")
    issuers: list[Issuer] = Field(default_factory=list, max_length=20, description="If given, only these issuers.")
    language: Language | None = Field(default=None, description="If given, only documents in this language.")


class EmailSubscriptionRequest(_Wants):
    """Double opt-in: nothing is sent but the confirmation mail until it is confirmed."""

    channel: Literal["email"]
    email: Email
    mode: Mode = Field(default=Mode.INSTANT, description="One mail per document, or a daily or weekly digest.")
    locale: Locale = Field(default="zh", description="Language of the mails.")


class WebhookSubscriptionRequest(_Wants):
    """Active at once: the secret to verify deliveries with is returned once, in the response."""

    channel: Literal["webhook"]
    url: WebhookUrl = Field(description="https; it must resolve to public addresses only.")
    owner_email: Email | None = Field(default=None, description="Told when deliveries keep failing.")


SubscriptionRequest = Annotated[EmailSubscriptionRequest | WebhookSubscriptionRequest,
                                Field(discriminator="channel")]


class SubscriptionChange(_In):
    """Only the fields present are changed; `language: null` removes that narrowing."""

    domains: list[DomainName] | None = Field(default=None, min_length=1, max_length=len(DOMAINS))
    keywords: list[Keyword] | None = Field(default=None, max_length=20)
    feeds: list[FeedId] | None = Field(default=None, max_length=50)
    issuers: list[Issuer] | None = Field(default=None, max_length=20)
    language: Language | None = None
    mode: Mode | None = None
    locale: Locale | None = None


class SubscriptionOut(_Out):
    id: str
    channel: Literal["email", "webhook"]
    target: str = Field(description="The address or URL; shown only to the holder of the management token.")
    state: State
    domains: list[str]
    keywords: list[str]
    feeds: list[str]
    issuers: list[str]
    language: str | None
    mode: Mode
    locale: str


class SubscriptionCreated(_Out):
    subscription: SubscriptionOut
    manage_token: str = Field(description="Returned once: send it as `Authorization: Bearer <token>` to manage.")
    manage_url: str
    webhook_secret: str | None = Field(default=None, description="Returned once, for webhooks: verifies deliveries.")


class ActionResult(_Out):
    subscription_id: str
    state: State
    changed: bool = Field(description="False when the request had already been carried out (it is idempotent).")


class SecretRotated(_Out):
    webhook_secret: str = Field(description="The new secret; the previous one keeps signing for a grace period.")
    grace_hours: int


class PingSent(_Out):
    delivery_id: str


class DeliveryPage(_Out):
    items: list[dict[str, Any]]
    next_cursor: str | None


class ReplayRequest(_In):
    """Send again one delivery (`delivery_id`) or every delivery since a moment (`since`)."""

    delivery_id: DeliveryId | None = None
    since: IsoDateTime | None = None


class ReplayResult(_Out):
    replayed: int


# ------------------------------------------------------------------------------ documents
class EvidenceOut(_Out):
    term: str
    where: str
    count: int


class DocumentSummary(_Out):
    id: str
    title: str
    doc_number: str | None
    issuer: str | None
    published: date | None
    feed_id: str
    language: str | None
    domains: list[str]
    summary: str
    url: str = Field(description="This document in the API, with its evidence.")


class DocumentPage(_Out):
    items: list[DocumentSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class DocumentDetail(_Out):
    id: str
    title: str
    doc_number: str | None
    issuer: str | None
    published: date | None
    feed_id: str
    language: str | None
    domains: list[str]
    scores: dict[str, float]
    evidence: dict[str, list[EvidenceOut]] = Field(description="Per domain, the terms that decided it and where.")
    summary: str
    source_url: str | None = Field(description="Where the document was published.")
    text_url: str = Field(description="The full text, as plain text, from this API.")
    created_at: str | None


class BrowseFilters(_In):
    """The browse page's form: an empty field is no filter."""

    domain: DomainName | Literal["none"] | None = None
    feed: FeedId | None = None
    issuer: Issuer | None = None
    since: IsoDate | None = None
    until: IsoDate | None = None
    q: Keyword | None = None
    cursor: Cursor | None = None

    @model_validator(mode="before")
    @classmethod
    def _blank_is_none(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: (value.strip() or None) if isinstance(value, str) else value for key, value in data.items()}
        return data


# ------------------------------------------------------------------------------ feeds
class FeedHealth(_Out):
    id: str
    name: str
    url: str
    issuer: str | None
    language: str | None
    enabled: bool
    healthy: bool = Field(description="Enabled and its last poll did not fail.")
    last_checked_at: str | None
    last_success_at: str | None
    last_error_at: str | None
    consecutive_failures: int
    last_gap_at: str | None = Field(description="When entries were last found missing between two polls.")


class FeedList(_Out):
    items: list[FeedHealth]


# ------------------------------------------------------------------------------ errors
class FieldProblem(_Out):
    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str
    field: str = Field(description="The bad field, dotted: `body.email`, `query.limit`.")


class ErrorOut(_Out):
    error: str = Field(description="A stable code: invalid_request, not_found, rate_limited, conflict...")
    message: str
    detail: list[FieldProblem] = Field(default_factory=list)
