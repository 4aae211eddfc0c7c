"""Classifier speed against a bare Aho-Corasick pass, and the cost of script normalisation.

    .venv/bin/python -m benchmarks.classify_speed

Prints, measured in the same run on the seed gazette's text (Simplified) and on the same text
converted to Traditional with OpenCC (s2t):
  * the import and build cost of OpenCC's t2s converter (fresh interpreter, median of 5);
  * t2s conversion per MB;
  * ``Classifier.classify`` against a bare pass of the same automaton terms over the same text
    (``iter_long``, counting matches): the ratio of their speeds (the classifier must keep >= 0.6).
Best of several runs each; timings drift between hours, so only ratios within one run compare.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "fixtures" / "wendeng-2024-02.txt"


def _best(function, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def _import_cost() -> float:
    code = ("import time; t=time.perf_counter(); import opencc; opencc.OpenCC('t2s').convert('測'); "
            "print(time.perf_counter()-t)")
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(5)]
    return statistics.median(runs)


def main(rounds: int = 60) -> int:
    import ahocorasick
    import opencc

    from gazette.domain.classify import default_classifier
    from gazette.domain.script import to_simplified

    classifier = default_classifier()
    simplified = SEED.read_text(encoding="utf-8")
    traditional = opencc.OpenCC("s2t").convert(simplified)

    # The same surface forms the classifier's automaton holds.
    bare = ahocorasick.Automaton()
    for form in classifier._forms:
        bare.add_word(form, len(form))
    bare.make_automaton()

    def bare_pass(text: str) -> int:
        return sum(1 for _ in bare.iter_long(text))

    print(f"opencc import + t2s build (fresh interpreter, median of 5): {_import_cost() * 1000:.1f} ms")
    megabytes = len(traditional.encode("utf-8")) / 1e6
    convert = _best(lambda: to_simplified(traditional))
    print(f"t2s conversion: {convert / megabytes * 1000:.1f} ms per MB (UTF-8), "
          f"{len(traditional) / convert / 1e6:.2f} M chars/s")
    for name, text in (("simplified", simplified), ("traditional", traditional)):
        # Alternate the two, each on a fresh copy of the text (as a new document arrives), and
        # keep the best of each: the machine's load drifts, the ratio within a round does not.
        full_times, raw_times = [], []
        for _ in range(rounds):
            copy = (text + " ")[:-1]
            start = time.perf_counter()
            bare_pass(copy)
            raw_times.append(time.perf_counter() - start)
            copy = (text + " ")[:-1]
            start = time.perf_counter()
            classifier.classify("", copy)
            full_times.append(time.perf_counter() - start)
        full, raw = min(full_times), min(raw_times)
        print(f"{name}: {len(text)} chars; classify {len(text) / full / 1e6:.2f} M chars/s, "
              f"bare Aho-Corasick {len(text) / raw / 1e6:.2f} M chars/s, ratio {raw / full:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
