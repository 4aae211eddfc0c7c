"""Multi-label, explainable domain classifier for Chinese (Simplified and Traditional) and English
government documents, configured entirely by the taxonomy data file.

Before matching, every text is normalised (``gazette.domain.script``): Traditional and mixed
script read as Simplified with OpenCC's tables, extraction gaps inside Chinese words closed,
lower-cased.  One Aho-Corasick automaton holds every term of every domain, normalised the same
way, with the rule contexts and the masks; each of title, document number and body is scanned
once (leftmost-longest matches, English terms checked for word boundaries).  The text is not
converted whole: the automaton holds each term under every spelling that OpenCC converts to it
character by character, and only the few characters OpenCC converts otherwise inside a phrase are
converted, with their phrase (``normalise_folded``); the matches are those in the converted text,
at the same offsets.  The automaton reads the text as UTF-8 bytes.  Evidence quotes the original
text: offsets in the normalised text are mapped back.

Scoring (all parameters in the taxonomy file):

* a term found in the title or the document number adds ``weight x location weight`` once;
* in the body each occurrence at character offset ``p`` counts ``1 / (1 + p / body_decay_chars)``
  and a term's body mass is capped at ``body_term_cap``: repetition deep in a long document adds
  little, a single passing mention less still;
* rules scale groups of a domain down when a context (e.g. public health) outweighs the domain's
  core evidence; the context terms then appear in the evidence with negative weights;
* the raw score of a domain is the sum of its evidence weights; the domain is chosen when the raw
  score reaches the domain's threshold.  ``Classification.scores`` holds
  ``raw / (raw + threshold)``: a number in [0, 1) where 0.5 is the decision point of every domain.

Importing this module does no work and does not import pydantic or yaml; the taxonomy is loaded
by ``default_classifier()`` (cached) or passed to ``Classifier``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ahocorasick

from gazette.domain.model import Classification, Evidence
from gazette.domain.script import Normalised, fold_forms, normalise, normalise_folded, quote, to_simplified

if TYPE_CHECKING:
    from gazette.domain.taxonomy import Taxonomy

__all__ = ["Classifier", "default_classifier"]

_LOCATIONS = ("title", "doc_number", "body")
_TITLE, _DOC_NUMBER, _BODY = 0, 1, 2

# UTF-8 continuation bytes (0x80-0xBF) to 0, every other byte to 1.
_STARTS = bytes(0 if 0x80 <= byte <= 0xBF else 1 for byte in range(256))


def _is_word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")


@dataclass(frozen=True, slots=True)
class _Term:
    canonical: str
    domain: int
    group: str
    weight: float
    locations: tuple[bool, bool, bool]


@dataclass(frozen=True, slots=True)
class _ContextTerm:
    canonical: str
    context: str
    weight: float


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    when: tuple[str, ...]
    unless: tuple[str, ...]
    scale: tuple[str, ...] | None
    factor: float
    margin: float


@dataclass(frozen=True, slots=True)
class _Domain:
    name: str
    threshold: float
    weights: tuple[float, float, float]
    rules: tuple[_Rule, ...]


class _Hit:
    """What one location of one document holds for one canonical term."""

    __slots__ = ("count", "mass", "surface", "surface_count")

    def __init__(self) -> None:
        self.count = 0
        self.mass = 0.0
        self.surface = ""
        self.surface_count = 0


class Classifier:
    """Classifies documents into the taxonomy's domains.  Build once; ``classify`` is reentrant."""

    def __init__(
        self, taxonomy: Taxonomy, exclude: frozenset[tuple[str, str]] = frozenset(), *, fold: bool = True
    ) -> None:
        """``exclude`` leaves out (domain, term) pairs of the taxonomy (cross-validation builds
        classifiers without the terms the held-out records alone would justify).  ``fold=False``
        converts every text whole with OpenCC before matching instead of matching folded text
        (``gazette.domain.script.normalise_folded``): the same results, more slowly."""
        self._fold = fold
        scoring = taxonomy.scoring
        self._decay = float(scoring.body_decay_chars)
        self._cap = float(scoring.body_term_cap)
        self._named_fraction = float(scoring.named_fraction)
        self._unnamed_body_factor = float(scoring.unnamed_body_factor)
        self._own_evidence = float(scoring.own_evidence)
        self._domains: list[_Domain] = []
        self._terms: list[_Term] = []
        self._contexts: list[_ContextTerm] = []
        # surface form -> (prefix match, English, targets); a target is ("t", term id) or
        # ("c", context id); a mask has no target.
        keys: dict[str, tuple[bool, bool, list[tuple[str, int]]]] = {}

        def add(form: str, lang: str, prefix: bool, target: tuple[str, int] | None) -> None:
            if not form:
                return
            english = lang == "en"
            entry = keys.get(form)
            if entry is None:
                entry = keys[form] = (prefix, english, [])
            elif entry[0] != prefix or entry[1] != english:
                # Listed both ways: the stricter reading wins (whole word, boundary checked).
                entry = keys[form] = (entry[0] and prefix, entry[1] or english, entry[2])
            if target is not None:
                entry[2].append(target)

        def forms(term: str, lang: str) -> tuple[bool, tuple[str, ...]]:
            # A term is matched as the text is: in Simplified (whatever script it is written in)
            # and lower case.
            prefix = lang == "en" and term.endswith("*")
            base = term[:-1].rstrip() if prefix else term
            return prefix, (to_simplified(base.lower()),)

        for index, (name, domain) in enumerate(taxonomy.domains.items()):
            self._domains.append(
                _Domain(
                    name=name,
                    threshold=float(domain.threshold),
                    weights=(
                        taxonomy.location_weight(name, "title"),
                        taxonomy.location_weight(name, "doc_number"),
                        taxonomy.location_weight(name, "body"),
                    ),
                    rules=tuple(
                        _Rule(
                            rule.name,
                            tuple(rule.when),
                            tuple(rule.unless),
                            tuple(rule.scale) if rule.scale is not None else None,
                            float(rule.factor),
                            float(rule.margin),
                        )
                        for rule in domain.rules
                    ),
                )
            )
            for group_name, group in domain.groups.items():
                where = set(group.where or _LOCATIONS)
                allowed = ("title" in where, "doc_number" in where, "body" in where)
                weight = taxonomy.strength(group.strength)
                for lang, _, term in group.items():
                    if (name, term) in exclude:
                        continue
                    term_id = len(self._terms)
                    self._terms.append(_Term(term, index, group_name, weight, allowed))
                    prefix, variants = forms(term, lang)
                    for form in variants:
                        add(form, lang, prefix, ("t", term_id))
        for context_name, terms in taxonomy.contexts.items():
            for lang, _, term in terms.items():
                context_id = len(self._contexts)
                self._contexts.append(_ContextTerm(term, context_name, 1.0))
                prefix, variants = forms(term, lang)
                for form in variants:
                    add(form, lang, prefix, ("c", context_id))
        for lang, _, term in taxonomy.masks.items():
            prefix, variants = forms(term, lang)
            for form in variants:
                add(form, lang, prefix, None)

        automaton = ahocorasick.Automaton()
        self._targets: list[tuple[tuple[str, int], ...]] = []
        self._keys: list[tuple[int, bool, bool]] = []  # key id -> (length, English, prefix)
        self._forms: list[str] = []
        for form, (prefix, english, targets) in keys.items():
            automaton.add_word(form, len(self._targets))
            self._targets.append(tuple(dict.fromkeys(targets)))
            self._keys.append((len(form), english, prefix))
            self._forms.append(form)
        automaton.make_automaton()
        self._automaton = automaton
        # The same keys, each under every spelling that converts to it character by character
        # (``fold_forms``), matched in a folded text (``normalise_folded``) as UTF-8 bytes (one
        # Latin-1 character per byte): the automaton steps through a few lead bytes instead of
        # comparing each character with every first character of a key.  UTF-8 is
        # self-synchronising, so byte matches are exactly the character matches.
        folded = ahocorasick.Automaton()
        spellings = [(spelling, key_id) for key_id, form in enumerate(self._forms) for spelling in fold_forms(form)]
        spellings.sort(key=lambda item: item[0].isascii())  # Chinese first: most text is
        for spelling, key_id in spellings:
            folded.add_word(spelling.encode("utf-8").decode("latin-1"), key_id)
        folded.make_automaton()
        self._folded = folded

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(domain.name for domain in self._domains)

    # ----------------------------------------------------------------------------------------

    def _scan(self, original: str, body: bool) -> tuple[Normalised | None, dict[int, tuple[int, float, int]]]:
        """One pass of the automaton: key id -> (count, mass, offset of the first match in the
        normalised text).  Masks are left out: they only keep terms from matching inside them."""
        normalised = normalise_folded(original) if self._fold else None
        if normalised is None:
            normalised = normalise(original)
            ends = self._ends_converted(normalised.text)
        else:
            ends = self._ends_folded(normalised.text)
        text = normalised.text
        if not text:
            return None, {}
        decay = self._decay
        length = len(text)
        keys = self._keys
        targets = self._targets
        result: dict[int, tuple[int, float, int]] = {}
        for key_id, key_ends in ends.items():
            if not targets[key_id]:
                continue
            size, english, prefix = keys[key_id]
            if english:
                key_ends = [
                    end
                    for end in key_ends
                    if not (end - size >= 0 and _is_word_char(text[end - size]))
                    and (prefix or end + 1 >= length or not _is_word_char(text[end + 1]))
                ]
                if not key_ends:
                    continue
            if body:
                shift = 1.0 - size
                mass = sum(decay / (decay + end + shift) for end in key_ends)
            else:
                mass = float(len(key_ends))
            result[key_id] = (len(key_ends), mass, key_ends[0] - size + 1)
        return normalised, result

    def _ends_converted(self, text: str) -> dict[int, list[int]]:
        """Key id -> offsets of the last character of its matches in a converted text."""
        ends: dict[int, list[int]] = {}
        get = ends.get
        for end, key_id in self._automaton.iter_long(text):
            found = get(key_id)
            if found is None:
                ends[key_id] = [end]
            else:
                found.append(end)
        return ends

    def _ends_folded(self, text: str) -> dict[int, list[int]]:
        """``_ends_converted`` for a folded text: the same matches at the same offsets."""
        ends: dict[int, list[int]] = {}
        get = ends.get
        if text.isascii():  # one byte per character
            for end, key_id in self._folded.iter_long(text):
                found = get(key_id)
                if found is None:
                    ends[key_id] = [end]
                else:
                    found.append(end)
            return ends
        raw = text.encode("utf-8")
        # One byte 1 for each byte that starts a character: counting them gives character offsets.
        starts = raw.translate(_STARTS)
        count = starts.count
        chars = 0  # characters in raw[:done]
        done = 0
        for end, key_id in self._folded.iter_long(raw.decode("latin-1")):
            chars += count(1, done, end + 1)
            done = end + 1
            found = get(key_id)
            if found is None:
                ends[key_id] = [chars - 1]
            else:
                found.append(chars - 1)
        return ends

    def matched_terms(self, title: str, body: str = "", doc_number: str | None = None) -> set[tuple[str, str]]:
        """The (domain, term) pairs of the taxonomy found in a document where their group lets
        them count: what a term does across records is measured with this."""
        term_hits, _ = self._hits(title, body, doc_number)
        found = set()
        for term_id, location in term_hits:
            term = self._terms[term_id]
            if term.locations[location]:
                found.add((self._domains[term.domain].name, term.canonical))
        return found

    def _hits(self, title: str, body: str, doc_number: str | None) -> tuple[dict, dict]:
        """Matches per (canonical term, location) and per (context term, location)."""
        originals = (title or "", doc_number or "", body or "")
        scans = tuple(self._scan(text, body=location == _BODY) for location, text in enumerate(originals))
        # Aggregate matches per canonical term and per context term, per location.  A hit's
        # surface is first the (location, key id, offset) of its most frequent form; only these
        # are quoted from the original text.
        term_hits: dict[tuple[int, int], _Hit] = {}
        context_hits: dict[tuple[int, int], _Hit] = {}
        for location, (_, found) in enumerate(scans):
            for key_id, (count, mass, first) in found.items():
                for kind, target in self._targets[key_id]:
                    table = term_hits if kind == "t" else context_hits
                    hit = table.get((target, location))
                    if hit is None:
                        hit = table[(target, location)] = _Hit()
                    hit.count += count
                    hit.mass += mass
                    if count > hit.surface_count:
                        hit.surface, hit.surface_count = (location, key_id, first), count
        quoted: dict[tuple[int, int, int], str] = {}
        for table in (term_hits, context_hits):
            for hit in table.values():
                place = hit.surface
                surface = quoted.get(place)
                if surface is None:
                    location, key_id, first = place
                    normalised = scans[location][0]
                    # Evidence quotes the document as printed.
                    surface = quoted[place] = quote(originals[location], normalised, self._forms[key_id], first)
                hit.surface = surface
        return term_hits, context_hits

    def classify(self, title: str, body: str = "", doc_number: str | None = None) -> Classification:
        """Domains whose score reaches their threshold, a score per domain in [0, 1) (0.5 is the
        threshold) and the evidence for every domain that has any."""
        term_hits, context_hits = self._hits(title, body, doc_number)
        cap = self._cap

        def strength(hit: _Hit, location: int) -> float:
            return min(hit.mass, cap) if location == _BODY else 1.0

        # Per domain: evidence rows [term, where, count, value, group].
        rows: dict[int, list[list]] = {}
        for (term_id, location), hit in term_hits.items():
            term = self._terms[term_id]
            if not term.locations[location]:
                continue
            domain = self._domains[term.domain]
            value = term.weight * domain.weights[location] * strength(hit, location)
            if value:
                rows.setdefault(term.domain, []).append(
                    [hit.surface, _LOCATIONS[location], hit.count, value, term.group]
                )

        # The title's focus: body evidence of a domain the title does not name counts less when
        # the title names another domain.
        named = {
            index
            for index, domain_rows in rows.items()
            if sum(row[3] for row in domain_rows if row[1] != "body")
            >= self._named_fraction * self._domains[index].threshold
        }
        if named and self._unnamed_body_factor != 1.0:
            for index, domain_rows in rows.items():
                if index in named:
                    continue
                # A second domain with strong evidence of its own is reported whatever the
                # first domain scores: the discount is for passing mentions only.
                own = sum(row[3] for row in domain_rows)
                if own >= self._own_evidence * self._domains[index].threshold:
                    continue
                for row in domain_rows:
                    if row[1] == "body":
                        row[3] *= self._unnamed_body_factor

        # Context strength per (context term, location), before domain location weights.
        contexts: dict[str, list[tuple[str, int, int, float]]] = {}
        for (context_id, location), hit in context_hits.items():
            context = self._contexts[context_id]
            contexts.setdefault(context.context, []).append(
                (hit.surface, location, hit.count, context.weight * strength(hit, location))
            )

        scores: dict[str, float] = {}
        evidence: dict[str, tuple[Evidence, ...]] = {}
        chosen: list[str] = []
        for index, domain in enumerate(self._domains):
            domain_rows = rows.get(index, [])
            extra: list[list] = []
            for rule in domain.rules:
                when = [
                    (surface, location, count, value * domain.weights[location])
                    for name in rule.when
                    for surface, location, count, value in contexts.get(name, ())
                ]
                when_score = sum(item[3] for item in when)
                if when_score <= 0:
                    continue
                unless_score = sum(row[3] for row in domain_rows if row[4] in rule.unless)
                if when_score <= rule.margin * unless_score:
                    continue
                removed = 0.0
                for row in domain_rows:
                    if rule.scale is None or row[4] in rule.scale:
                        removed += row[3] * (1.0 - rule.factor)
                        row[3] *= rule.factor
                if removed <= 0:
                    continue
                for surface, location, count, value in when:
                    extra.append(
                        [surface, _LOCATIONS[location], count, -removed * value / when_score, "rule"]
                    )
            all_rows = domain_rows + extra
            raw = max(0.0, sum(row[3] for row in all_rows))
            scores[domain.name] = round(raw / (raw + domain.threshold), 4)
            if raw >= domain.threshold:
                chosen.append(domain.name)
            if all_rows:
                all_rows.sort(key=lambda row: (-abs(row[3]), row[0]))
                evidence[domain.name] = tuple(
                    Evidence(term=row[0], where=row[1], count=row[2], weight=round(row[3], 4))
                    for row in all_rows
                )
        return Classification(domains=tuple(chosen), scores=scores, evidence=evidence)


@functools.cache
def default_classifier() -> Classifier:
    """The classifier built from the packaged taxonomy (built once per process)."""
    from gazette.domain.taxonomy import load_taxonomy

    return Classifier(load_taxonomy())
