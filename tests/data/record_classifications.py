"""Record the classifier's whole output on every development-set record and seed document.

The classifier's speed work must not change a single result: this file pins the whole output
(domains, scores, evidence quoting the original text) of every record of
``tests/data/devset.jsonl`` and every seed document, each also converted to Traditional
characters (OpenCC s2t) so the conversion path is pinned as well, together with the SHA-256 of
the taxonomy it was recorded with.  ``tests/unit/test_classify_outputs.py`` compares.

    .venv/bin/python tests/data/record_classifications.py   # rewrites classifications.json

Rerun it only when the taxonomy or the dev set changes on purpose, never to make a speed change
pass.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

DATA = Path(__file__).parent
OUTPUT = DATA / "classifications.json"
DEVSET = DATA / "devset.jsonl"
SEED_DOCUMENTS = DATA.parent / "fixtures" / "seed_documents.json"


def taxonomy_digest() -> str:
    text = resources.files("gazette").joinpath("data", "taxonomy.yaml").read_bytes()
    return hashlib.sha256(text).hexdigest()


def cases() -> list[tuple[str, str, str, str | None]]:
    """(case id, title, body, document number) for every record, in Simplified and Traditional."""
    import opencc

    s2t = opencc.OpenCC("s2t").convert
    documents = []
    for line in DEVSET.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            documents.append((record["id"], record["title"], record["body"], record.get("doc_number")))
    seed = json.loads(SEED_DOCUMENTS.read_text(encoding="utf-8"))
    for index, document in enumerate(seed):
        documents.append((f"seed-{index}", document["title"], document["body"], document.get("doc_number")))
    result = []
    for case_id, title, body, doc_number in documents:
        result.append((case_id, title, body, doc_number))
        result.append(
            (f"{case_id}/s2t", s2t(title), s2t(body), s2t(doc_number) if doc_number else doc_number)
        )
    return result


def outputs() -> dict[str, dict]:
    """The classifier's whole output for every case, as plain JSON values."""
    from gazette.domain.classify import default_classifier

    classifier = default_classifier()
    result = {}
    for case_id, title, body, doc_number in cases():
        found = classifier.classify(title, body, doc_number)
        result[case_id] = {
            "domains": list(found.domains),
            "scores": found.scores,
            "evidence": {
                domain: [[row.term, row.where, row.count, row.weight] for row in rows]
                for domain, rows in found.evidence.items()
            },
        }
    return result


def main() -> None:
    recorded = {"taxonomy_sha256": taxonomy_digest(), "outputs": outputs()}
    OUTPUT.write_text(json.dumps(recorded, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
