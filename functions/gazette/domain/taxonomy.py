"""The domain taxonomy: a YAML data file, validated at load into pydantic models.

The packaged file is ``gazette/data/taxonomy.yaml``; its header explains the format and how a
document is scored.  ``load_taxonomy()`` reads it (or another file) and raises ``TaxonomyError``
with the line number of the offending entry when the file is broken, so a user who adds a domain
or a term gets told exactly where a mistake is.

Chinese terms may be written in either script: the classifier converts terms and texts alike to
Simplified (``gazette.domain.script``) before matching, so no Traditional variants are listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
)

from gazette.domain.script import to_simplified

__all__ = [
    "LOCATIONS",
    "Domain",
    "Rule",
    "Scoring",
    "Taxonomy",
    "TaxonomyError",
    "TermGroup",
    "TermList",
    "load_taxonomy",
]

LOCATIONS: tuple[str, ...] = ("title", "doc_number", "body")
Location = Literal["title", "doc_number", "body"]
Language = Literal["zh", "en"]

_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"

Name = Annotated[str, StringConstraints(pattern=_NAME_PATTERN, max_length=64)]
Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Weight = Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class TaxonomyError(ValueError):
    """The taxonomy file is unreadable or invalid; the message names the file and the line."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TermList(_Model):
    """Terms by language: ``zh`` (either script; matched after conversion to Simplified) and ``en``
    (any case)."""

    zh: list[Term] = Field(default_factory=list)
    en: list[Term] = Field(default_factory=list)

    def items(self) -> Iterator[tuple[Language, int, str]]:
        """(language, index, term) for every term."""
        for lang in ("zh", "en"):
            for index, item in enumerate(getattr(self, lang)):
                yield lang, index, item


Strength = Literal["strong", "supporting", "weak"]


class TermGroup(TermList):
    """Terms of one domain of one strength (and optionally restricted to some locations).  A
    group's weight is its strength's, from ``scoring.strengths``: no term has a weight of its own."""

    strength: Strength
    where: list[Location] | None = Field(default=None, min_length=1)


class LocationWeights(_Model):
    title: NonNegative
    doc_number: NonNegative
    body: NonNegative

    def get(self, location: str) -> float:
        return float(getattr(self, location))


class Strengths(_Model):
    """The one rule terms are weighed by (see the taxonomy file's header)."""

    strong: Weight = 1.0
    supporting: Weight = 0.4
    weak: Weight = 0.1


class Scoring(_Model):
    weights: LocationWeights
    strengths: Strengths = Field(default_factory=Strengths)
    body_decay_chars: Positive = 2000.0
    body_term_cap: Positive = 1.5
    # When the title (or document number) names some domain, body evidence of a domain it does
    # not name is multiplied by unnamed_body_factor.  "Names" means: that domain's title and
    # doc_number evidence reaches named_fraction of its threshold.
    named_fraction: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 0.5
    unnamed_body_factor: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 1.0
    # ... unless that domain's own evidence reaches own_evidence times its threshold: a second
    # domain with strong evidence of its own is reported whatever the first domain scores.
    own_evidence: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 2.0


class Rule(_Model):
    """Scale some groups of a domain by ``factor`` when the ``when`` contexts outweigh the
    ``unless`` groups (both scored like terms: location weights, body decay and cap)."""

    name: Text
    when: list[Name] = Field(min_length=1)
    unless: list[Name] = Field(default_factory=list)
    scale: list[Name] | None = Field(default=None, min_length=1)
    factor: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    margin: Positive = 1.0


class Labels(_Model):
    zh: Text
    en: Text


class Domain(_Model):
    labels: Labels
    description: Text
    threshold: Positive
    weights: LocationWeights | None = None
    groups: dict[Name, TermGroup] = Field(min_length=1)
    rules: list[Rule] = Field(default_factory=list)


class Taxonomy(_Model):
    """The whole taxonomy: scoring parameters, masks, named contexts and the domains."""

    version: Literal[1]
    scoring: Scoring
    masks: TermList = Field(default_factory=TermList)
    contexts: dict[Name, TermList] = Field(default_factory=dict)
    domains: dict[Name, Domain] = Field(min_length=1)

    _source: str = PrivateAttr(default="<taxonomy>")

    @property
    def source(self) -> str:
        """Where the taxonomy was read from."""
        return self._source

    def strength(self, name: str) -> float:
        """The weight of a term of the named strength."""
        return float(getattr(self.scoring.strengths, name))

    def location_weight(self, domain: str, location: str) -> float:
        override = self.domains[domain].weights
        return (override or self.scoring.weights).get(location)


# --------------------------------------------------------------------------------------------
# Loading


def _packaged_data() -> Any:
    return resources.files("gazette").joinpath("data")


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (default: the packaged ``taxonomy.yaml``).

    Raises ``TaxonomyError`` (a ``ValueError``) with one line naming the file, the line number
    and the problem when the file is missing, is not valid YAML or does not fit the schema.
    """
    if path is None:
        resource = _packaged_data().joinpath("taxonomy.yaml")
        name = "taxonomy.yaml"
        try:
            text = resource.read_text(encoding="utf-8")
        except OSError as exc:  # pragma: no cover - broken installation
            raise TaxonomyError(f"taxonomy.yaml: cannot read the packaged taxonomy: {exc}") from exc
    else:
        file = Path(path)
        name = str(file)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TaxonomyError(f"{name}: cannot read the taxonomy file: {exc}") from exc

    root, data = _parse_yaml(text, name)
    try:
        taxonomy = Taxonomy.model_validate(data)
    except ValidationError as exc:
        loc, message = _most_specific(root, exc)
        raise TaxonomyError(_located(name, root, loc, message)) from None

    problem = _check_references(taxonomy)
    if problem is not None:
        loc, message = problem
        raise TaxonomyError(_located(name, root, loc, message))

    taxonomy._source = name
    return taxonomy


def _parse_yaml(text: str, name: str) -> tuple[Any, Any]:
    """Compose the YAML (nodes carry line numbers) and construct the plain data from it."""
    import yaml  # imported here: only loading needs it

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise TaxonomyError(f"{name}{line}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{name}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    if data is None:
        raise TaxonomyError(f"{name}, line 1: the taxonomy file is empty")
    duplicate = _find_duplicate_key(root)
    if duplicate is not None:
        line, key = duplicate
        raise TaxonomyError(f"{name}, line {line}: duplicate key {key!r}")
    return root, data


def _find_duplicate_key(node: Any) -> tuple[int, str] | None:
    import yaml

    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        return key.start_mark.line + 1, key.value
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return None


def _node_at(root: Any, loc: tuple[Any, ...]) -> tuple[Any, list[str]]:
    """Follow a pydantic error location through the YAML nodes: the deepest node reached and
    the readable path to it (location parts that are not in the file, e.g. union branch names,
    are skipped)."""
    import yaml

    node, path = root, []
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == part:
                    node = value
                    path.append(part)
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            path.append(f"[{part}]")
    return node, path


def _most_specific(root: Any, exc: ValidationError) -> tuple[tuple[Any, ...], str]:
    """The error to report: among the errors about the first offending entry (a union such as
    "a term or {term, weight}" reports one per alternative), the one that reaches deepest into
    the file, e.g. the bad weight of {term: x, weight: -2} rather than "not a string"."""
    import yaml

    errors = exc.errors(include_url=False)
    _, first = _node_at(root, tuple(errors[0]["loc"]))

    def rank(error: Any) -> tuple[int, bool]:
        node, path = _node_at(root, tuple(error["loc"]))
        # At equal depth, a mapping in the file is better explained by the mapping alternative.
        return len(path), isinstance(node, yaml.MappingNode) and error["type"] != "string_type"

    related = [e for e in errors if _node_at(root, tuple(e["loc"]))[1][: len(first)] == first]
    best = max(related, key=rank)  # the first of equals wins
    message = best["msg"]
    if best["type"] == "missing":
        message = f"missing field {best['loc'][-1]!r}"
    return tuple(best["loc"]), message


def _located(name: str, root: Any, loc: tuple[Any, ...], message: str) -> str:
    node, path = _node_at(root, tuple(loc))
    line = node.start_mark.line + 1 if node is not None else 1
    where = "".join(p if p.startswith("[") else f".{p}" for p in path).lstrip(".") or "(top level)"
    return f"{name}, line {line}: {where}: {message}"


def _check_references(taxonomy: Taxonomy) -> tuple[tuple[Any, ...], str] | None:
    """Cross-entry checks the schema cannot express: rule references and duplicate terms."""
    for domain_name, domain in taxonomy.domains.items():
        # A term may be listed twice only where the two groups count in different locations
        # (a word that names the domain in a title and only supports it in a body).
        seen: dict[tuple[str, str, str], str] = {}
        for group_name, group in domain.groups.items():
            for lang, index, term in group.items():
                for location in group.where or LOCATIONS:
                    key = (lang, to_simplified(term.lower()), location)
                    if key in seen:
                        return (
                            ("domains", domain_name, "groups", group_name, lang, index),
                            f"term {term!r} is already listed in group {seen[key]!r} of this domain",
                        )
                    seen[key] = group_name
        for index, rule in enumerate(domain.rules):
            for field, names, known, kind in (
                ("when", rule.when, taxonomy.contexts, "context"),
                ("unless", rule.unless, domain.groups, "group of this domain"),
                ("scale", rule.scale or [], domain.groups, "group of this domain"),
            ):
                for position, ref in enumerate(names):
                    if ref not in known:
                        return (
                            ("domains", domain_name, "rules", index, field, position),
                            f"unknown {kind} {ref!r} (known: {', '.join(sorted(known)) or 'none'})",
                        )
    return None
