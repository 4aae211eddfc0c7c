"""Domain objects shared by the stages. Plain dataclasses: no I/O, no AWS."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class SplitDocument:
    """One document cut out of a gazette issue or a policy page."""

    title: str
    text: str
    doc_number: str | None = None  # 发文字号, e.g. 国办发〔2024〕21号
    issuer: str | None = None  # e.g. 国务院办公厅
    published: date | None = None  # 成文日期
    # Set when the splitter could not place the layout: the issue is then this one
    # document, its text whole, and this says why.
    split_warning: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One matched term and where it was found (title, doc_number, body)."""

    term: str
    where: str
    count: int
    weight: float


@dataclass(frozen=True, slots=True)
class Classification:
    """Multi-label result: the domains chosen, a score per domain and the evidence for each."""

    domains: tuple[str, ...]
    scores: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)
