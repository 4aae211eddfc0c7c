"""`python -m benchmarks.run [--quick] [--out FILE] [--json FILE]`: the benchmark suite and its report.

Full mode writes docs/benchmarks.md; --quick (the CI smoke) runs every section at tiny sizes and
writes to a temporary file unless --out is given. Numbers are medians of repeated runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import coldstart, cost, domain, matching, peer, sources, splitting, stages
from benchmarks.common import ROOT, VENV_PY, machine, median, run_measured
from benchmarks.corpus import SOURCES, write_empty_feeds, write_feeds
from benchmarks.report import render


@dataclass(frozen=True)
class Sizes:
    domain_feeds: int
    domain_per_feed: int
    domain_runs: int
    pipeline_feeds: int
    pipeline_per_feed: int
    pipeline_runs: int
    unchanged_feeds: int
    matching_totals: tuple[int, ...]
    matching_base: int
    matching_runs: int
    import_runs: int
    stage_feeds: int
    stage_per_feed: int
    peer_full_feeds: int
    peer_full_per_feed: int


FULL = Sizes(20, 50, 5, 6, 50, 3, 1000, (1000, 10_000, 100_000), 100, 3, 5, 2, 10, 100, 50)
QUICK = Sizes(2, 10, 1, 2, 10, 1, 20, (100, 300), 5, 1, 1, 1, 5, 2, 10)


PROFILED_FEEDS = 3


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def pipeline_runs(feeds_dir: Path, runs: int, work: Path) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    results = []
    for index in range(runs):
        out = work / f"pipeline-{feeds_dir.name}-{index}.json"
        code, _, err = run_measured([str(VENV_PY), "-m", "benchmarks.pipeline", str(feeds_dir), str(out)])
        if code != 0:
            raise RuntimeError(f"pipeline run failed: {err}")
        results.append(json.loads(out.read_text(encoding="utf-8")))
    profile = None
    if runs:
        # Profiling slows call-heavy code several times over: a few feeds are enough to see the shares.
        profile_dir = work / f"{feeds_dir.name}-profiled"
        profile_dir.mkdir(exist_ok=True)
        for path in sorted(feeds_dir.glob("*.xml"))[:PROFILED_FEEDS]:
            shutil.copy(path, profile_dir / path.name)
        out = work / f"pipeline-{feeds_dir.name}-profile.json"
        code, _, err = run_measured([str(VENV_PY), "-m", "benchmarks.pipeline", str(profile_dir), str(out),
                                     "--profile"])
        if code == 0:
            profile = json.loads(out.read_text(encoding="utf-8"))["new"].get("profile")
    return results, profile


def median_run(results: list[dict[str, Any]], per_feed: int) -> dict[str, Any]:
    """The run with the median CPU of the new pass (its counts are the same in every run)."""
    ordered = sorted(results, key=lambda r: r["new"]["cpu"])
    chosen = ordered[len(ordered) // 2]
    chosen["new"]["entries"] = chosen["feeds"] * per_feed
    chosen["new"]["entries_per_feed"] = per_feed
    chosen["new"]["cpu_samples"] = [r["new"]["cpu"] for r in results]
    chosen["unchanged"]["cpu_samples"] = [r["unchanged"]["cpu"] for r in results]
    chosen["new"]["cpu_median"] = median(chosen["new"]["cpu_samples"])
    return chosen


def source_state() -> dict[str, str]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    import gazette

    package = Path(gazette.__file__).resolve().parent
    if ROOT not in package.parents:  # PYTHONPATH points at a snapshot (e.g. `git archive HEAD`)
        return {"commit": git("rev-parse", "--short", "HEAD") or "unknown",
                "dirty": f"no (code imported from a snapshot at {package.parent.parent})",
                "gazette_from": str(package)}
    return {"commit": git("rev-parse", "--short", "HEAD") or "unknown",
            "dirty": "yes" if git("status", "--porcelain", "--", "functions", "infra", "template.yaml") else "no",
            "gazette_from": str(package)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: the CI smoke")
    parser.add_argument("--out", type=Path, help="the report (default docs/benchmarks.md; --quick: a temp file)")
    parser.add_argument("--json", type=Path, help="also write every measured number as JSON here")
    parser.add_argument("--skip-peer", action="store_true", help="leave out rss2email (the report says so)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    out = args.out or (Path(tempfile.mkdtemp(prefix="bench-")) / "benchmarks.md" if args.quick
                       else ROOT / "docs" / "benchmarks.md")
    started = time.monotonic()
    data: dict[str, Any] = {"mode": "quick" if args.quick else "full", "machine": machine(), "sizes": sizes.__dict__,
                            "corpus_sources": SOURCES, "source": source_state()}
    with tempfile.TemporaryDirectory(prefix="bench-work-") as tmp:
        work = Path(tmp)
        log("our code per item (no AWS)")
        data["domain"] = domain.run(sizes.domain_feeds, sizes.domain_per_feed, sizes.domain_runs)

        log(f"pipeline: {sizes.pipeline_feeds} feeds x {sizes.pipeline_per_feed} entries, x{sizes.pipeline_runs}")
        feeds_dir = work / "feeds"
        write_feeds(feeds_dir, sizes.pipeline_feeds, sizes.pipeline_per_feed)
        results, profile = pipeline_runs(feeds_dir, sizes.pipeline_runs, work)
        data["pipeline"] = median_run(results, sizes.pipeline_per_feed)
        data["profile"] = profile

        log(f"unchanged feeds: {sizes.unchanged_feeds} feeds answering 304")
        empty_dir = work / "empty"
        write_empty_feeds(empty_dir, sizes.unchanged_feeds)
        unchanged, _ = pipeline_runs(empty_dir, 1, work)
        data["unchanged"] = unchanged[0]

        def section(key: str, title: str, fn: Any) -> None:
            """A section that fails is reported as failed; the others still run."""
            log(title)
            try:
                data[key] = fn()
            except Exception as exc:
                data.setdefault("failed", {})[key] = f"{type(exc).__name__}: {exc}"[:600]
                log(f"{key} failed: {exc}")

        section("matching", f"subscriber matching at {sizes.matching_totals}",
                lambda: matching.run(list(sizes.matching_totals), sizes.matching_base, sizes.matching_runs))
        section("split_corpus", "the splitter on the gazette corpus", splitting.run)
        section("sources", "list sources (HTML, Hanweb CDATA, JSON) beside the feed path",
                lambda: sources.run(**(sources.QUICK if args.quick else sources.FULL)))
        section("coldstart", "cold start: imports from the built package, against import boto3",
                lambda: coldstart.run(sizes.import_runs))
        data.update(data.pop("coldstart", {}))
        if "coldstart" in data.get("failed", {}):
            data["failed"]["imports"] = data["failed"]["package"] = data["failed"]["coldstart"]
        section("stages", "peak RSS per stage (every invocation in a fresh process)",
                lambda: stages.run(sizes.stage_feeds, sizes.stage_per_feed))

        reason = "left out with --skip-peer" if args.skip_peer else (peer.available() if args.quick else peer.install())
        if reason is None:
            log("peer: rss2email on the pipeline's feeds, then on the full feed set")
            same = [peer.run(feeds_dir, sizes.pipeline_feeds * sizes.pipeline_per_feed)
                    for _ in range(max(1, sizes.pipeline_runs))]
            same.sort(key=lambda r: r["new_cpu"])
            data["peer_same"] = same[len(same) // 2]
            full_dir = work / "peer-full"
            write_feeds(full_dir, sizes.peer_full_feeds, sizes.peer_full_per_feed)
            data["peer_full"] = peer.run(full_dir, sizes.peer_full_feeds * sizes.peer_full_per_feed)
        else:
            data["peer_skipped"] = reason

        memory = {logical: stages.memory_setting(logical) for logical in data["pipeline"]["new"]["cpu_by_function"]}
        data["cost"] = cost.monthly(data["pipeline"], memory, data["unchanged"])
    data["elapsed_s"] = time.monotonic() - started
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(data), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    log(f"report written to {out} in {data['elapsed_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
