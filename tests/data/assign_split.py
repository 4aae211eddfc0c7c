"""Give every development-set record that has no ``split`` yet its split, and never change one.

The rule, kept for every batch ever added: within each stratum (the sorted domain labels plus
the language) the new records are ordered by SHA-256 of ``"gazette-devset-split:" + id`` and
the first ceil(n / 3) of them go to ``untouched``, the rest to ``tune``.  At least a third of
every stratum of every batch is therefore set aside, decided by the ids alone (seeded, and
reproducible whatever the file's order).  The taxonomy is edited looking only at the errors
of the ``tune`` split.

    python tests/data/assign_split.py            # rewrites tests/data/devset.jsonl in place
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

SEED = "gazette-devset-split:"
DEVSET = Path(__file__).with_name("devset.jsonl")


def _order(record_id: str) -> str:
    return hashlib.sha256((SEED + record_id).encode("utf-8")).hexdigest()


def assign(records: list[dict]) -> int:
    """Set ``split`` on the records that lack one; return how many were assigned."""
    strata: dict[tuple, list[dict]] = defaultdict(list)
    for record in records:
        if record.get("split") not in ("tune", "untouched"):
            strata[(tuple(sorted(record["domains"])), record["language"])].append(record)
    for members in strata.values():
        members.sort(key=lambda record: _order(record["id"]))
        held = math.ceil(len(members) / 3)
        for position, record in enumerate(members):
            record["split"] = "untouched" if position < held else "tune"
    return sum(len(members) for members in strata.values())


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
