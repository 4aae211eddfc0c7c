"""Choose the classifier's global scoring parameters by cross-validation on the tuned split.

Every parameter of ``scoring`` in ``gazette/data/taxonomy.yaml`` and the domains' common
threshold is a rule stated once for all terms; this script chooses them.  Each combination of a
small grid is scored by the 5-fold macro-F1 of ``gazette.domain.evaluate.cross_validate`` on the
**tuned split only** (each fold classified without the terms only it justifies); the untouched
split is never read.  Combinations that do not keep the seven seed documents exactly right are
dropped.  The best combinations are printed with their 5-fold figure, the lowest 5-fold recall of
any domain and the tuned split's own figure (a tie-breaker, never the criterion).

    .venv/bin/python tests/data/calibrate_scoring.py           # the grid of the file
    .venv/bin/python tests/data/calibrate_scoring.py --top 30

Scaling every location weight and the threshold together changes nothing, so the body weight
and the strong strength stay 1.0 and the threshold carries the scale.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent
DEVSET = DATA / "devset.jsonl"
SEED_DOCUMENTS = DATA.parent / "fixtures" / "seed_documents.json"

# The grid: one entry per global parameter.
GRID: dict[str, tuple[float, ...]] = {
    "threshold": (1.75, 2.0, 2.5),
    "title": (2.5, 3.0, 4.0),
    "supporting": (0.4, 0.5, 0.6),
    "weak": (0.1,),
    "body_decay_chars": (500.0, 1000.0, 2000.0),
    "body_term_cap": (2.0, 3.0, 4.0),
    "unnamed_body_factor": (0.5,),
    "own_evidence": (2.0, 2.5, 3.0),
}


def with_parameters(taxonomy: Any, values: dict[str, float]) -> Any:
    """A copy of the taxonomy with the grid's parameters set (thresholds of every domain; the
    document number weighs as the title, at most 3)."""
    scoring = taxonomy.scoring
    weights = scoring.weights.model_copy(
        update={"title": values["title"], "doc_number": min(values["title"], scoring.weights.doc_number)}
    )
    strengths = scoring.strengths.model_copy(update={"supporting": values["supporting"], "weak": values["weak"]})
    new_scoring = scoring.model_copy(
        update={
            "weights": weights,
            "strengths": strengths,
            "body_decay_chars": values["body_decay_chars"],
            "body_term_cap": values["body_term_cap"],
            "unnamed_body_factor": values["unnamed_body_factor"],
            "own_evidence": values["own_evidence"],
        }
    )
    domains = {
        name: domain.model_copy(update={"threshold": values["threshold"]}) for name, domain in taxonomy.domains.items()
    }
    return taxonomy.model_copy(update={"scoring": new_scoring, "domains": domains})


def main(argv: list[str] | None = None) -> int:
    from gazette.domain.classify import Classifier
    from gazette.domain.evaluate import cross_validate, evaluate, load_jsonl, split
    from gazette.domain.taxonomy import load_taxonomy

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="how many of the best combinations to print")
    args = parser.parse_args(argv)

    taxonomy = load_taxonomy()
    tuned = split(load_jsonl(DEVSET), "tune")  # the untouched split is never read
    seed = json.loads(SEED_DOCUMENTS.read_text(encoding="utf-8"))
    names = list(GRID)
    rows = []
    for combination in itertools.product(*GRID.values()):
        values = dict(zip(names, combination, strict=True))
        candidate = with_parameters(taxonomy, values)
        if evaluate(Classifier(candidate), seed).exact != len(seed):
            continue
        folded = cross_validate(candidate, tuned)
        whole = evaluate(Classifier(candidate), tuned)
        low = min(folded.per_domain[d].recall for d in folded.domains)
        rows.append((round(folded.macro_f1, 4), round(low, 4), round(whole.macro_f1, 4), values))
    rows.sort(key=lambda row: (-row[0], -row[1], -row[2]))
    print(f"{len(rows)} combinations keep the seed exact; best by 5-fold macro-F1 on {len(tuned)} tuned records:")
    print("5-fold  min-recall  tuned  " + "  ".join(names))
    for folded_f1, low, whole_f1, values in rows[: args.top]:
        print(f"{folded_f1:6.3f}  {low:10.3f}  {whole_f1:5.3f}  " + "  ".join(f"{values[n]:g}" for n in names))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
