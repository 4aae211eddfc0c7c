"""Give every development-set record that has no ``split`` yet its split, and never change one.

The rule since the 257th record: every record added to the set goes to ``untouched``.  The
taxonomy is edited looking only at the errors of the ``tune`` split, so a record added later is
never tuned on.

The first 257 records were split by an earlier rule, kept in their ``split`` field: within each
stratum (the sorted domain labels plus the language) of each batch, the records were ordered by
SHA-256 of ``"gazette-devset-split:" + id`` and the first ceil(n / 3) went to ``untouched``, the
rest to ``tune``.

    python tests/data/assign_split.py            # rewrites tests/data/devset.jsonl in place
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEVSET = Path(__file__).with_name("devset.jsonl")


def assign(records: list[dict]) -> int:
    """Put every record that lacks a ``split`` in ``untouched``; return how many were assigned."""
    fresh = [record for record in records if record.get("split") not in ("tune", "untouched")]
    for record in fresh:
        record["split"] = "untouched"
    return len(fresh)


def main(path: Path = DEVSET) -> int:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = [record["id"] for record in records]
    if len(set(ids)) != len(ids):
        print("assign_split: duplicate ids", file=sys.stderr)
        return 2
    assigned = assign(records)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    print(f"assigned {assigned} records; untouched {sum(r['split'] == 'untouched' for r in records)} of {len(records)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEVSET))
