"""Cold start: each handler's import against `import boto3`, from a package built as `sam build` builds it.

Lambda runs a function from its deployment package on a read-only file system: whatever bytecode the
package ships is used, nothing can be written. So the measure builds the package once per run with the
functions' own Makefile (`make build-<Function> ARTIFACTS_DIR=...`: pip installs requirements.txt and
compiles everything), makes it read-only, and imports from it with the base interpreter under `-S`
(no site-packages, no virtualenv), PYTHONPATH=<package> and PYTHONDONTWRITEBYTECODE=1. `import boto3`
is measured in the same rounds, interleaved with the handlers, and every handler is stated as a ratio
to it: absolute times on a shared machine move by several times from one run to the next, the ratio holds.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, VENV_PY, median

# Heavy libraries and which handlers have a use for them.
HEAVY = ("feedparser", "lxml", "pypdf", "jinja2", "nh3", "ahocorasick", "standardwebhooks", "yaml",
         "aws_lambda_powertools.utilities.idempotency", "aws_lambda_powertools.event_handler.openapi.models",
         "pydantic_settings")
BASELINE = "boto3"

_PROBE = """
import json, sys, time
start, start_cpu = time.perf_counter(), time.process_time()
import importlib
importlib.import_module(sys.argv[1])
took, took_cpu = time.perf_counter() - start, time.process_time() - start_cpu
heavy = json.loads(sys.argv[2])
print(json.dumps({"import_s": took, "import_cpu_s": took_cpu, "modules": len(sys.modules),
                  "heavy": [m for m in heavy if m in sys.modules]}))
"""


def base_python() -> str:
    """The interpreter the virtualenv was made from: no site-packages of ours behind it."""
    return getattr(sys, "_base_executable", None) or sys.executable


def handler_modules() -> list[str]:
    """The modules template.yaml names as Lambda handlers."""
    from gazette_local.template import load_template, resources_of_type

    functions = resources_of_type(load_template(), "AWS::Serverless::Function").values()
    return sorted({f["Properties"]["Handler"].rsplit(".", 1)[0] for f in functions if "Handler" in f["Properties"]})


def build_package(target: Path) -> Path:
    """`make -C functions build-<Function>` into target, as `sam build` runs it; then read-only."""
    done = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT / "functions"), "build-ApiFunction",
                           f"ARTIFACTS_DIR={target}", f"PYTHON={VENV_PY}"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError("package build failed: " + (done.stderr.strip()[-400:] or done.stdout.strip()[-400:]))
    for path in [target, *target.rglob("*")]:
        if not path.is_symlink():
            mode = path.stat().st_mode
            path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return target


def _writable_again(target: Path) -> None:
    for path in [target, *target.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _package_env(package: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return {**keep, "PYTHONPATH": str(package), "PYTHONDONTWRITEBYTECODE": "1", "AWS_DEFAULT_REGION": "us-east-1"}


def _probe(package: Path, module: str) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run([base_python(), "-S", "-c", _PROBE, module, json.dumps(HEAVY)], capture_output=True,
                          text=True, env=_package_env(package), check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return {**json.loads(done.stdout), "process_wall_s": wall}


def _pyc_count(package: Path) -> int:
    return sum(1 for _ in package.rglob("*.pyc"))


def import_times(package: Path, runs: int) -> dict[str, Any]:
    """Rounds of [import boto3, each handler], interleaved; best and median of each, and their ratios.

    Both the wall time and the CPU time of the import are kept. On a machine others load, the wall time
    also counts the time the process waited for a core; the CPU time is the import's own work.
    """
    modules = [BASELINE, *handler_modules()]
    samples: dict[str, dict[str, list[float]]] = {m: {"wall": [], "cpu": [], "process": []} for m in modules}
    last: dict[str, dict[str, Any]] = {}
    pyc_before = _pyc_count(package)
    for _ in range(runs):
        for module in modules:
            if "error" in last.get(module, {}):
                continue
            got = _probe(package, module)
            last[module] = got
            if "error" not in got:
                samples[module]["wall"].append(got["import_s"])
                samples[module]["cpu"].append(got["import_cpu_s"])
                samples[module]["process"].append(got["process_wall_s"])
    base = samples[BASELINE]
    rows: dict[str, dict[str, Any]] = {}
    for module in modules:
        timings = ("import_s", "import_cpu_s", "process_wall_s")
        info = {k: v for k, v in last.get(module, {}).items() if k not in timings}
        own = samples[module]
        if own["wall"] and base["wall"]:
            info.update(runs=len(own["wall"]), process_wall_s=median(own["process"]))
            for kind in ("wall", "cpu"):
                best, mid = min(own[kind]), median(own[kind])
                info.update({f"{kind}_best_s": best, f"{kind}_median_s": mid,
                             f"{kind}_ratio_best": best / min(base[kind]),
                             f"{kind}_ratio_median": mid / median(base[kind])})
        rows[module] = info
    return {"baseline": BASELINE, "runs": runs, "python": sys.version.split()[0],
            "pyc_written": _pyc_count(package) - pyc_before,
            "modules": rows}


def import_breakdown(package: Path, module: str, limit: int = 8) -> list[tuple[str, float]]:
    """`python -X importtime` from the package: the direct imports that cost the most (cumulative ms)."""
    done = subprocess.run([base_python(), "-S", "-X", "importtime", "-c", f"import {module}"], capture_output=True,
                          text=True, env=_package_env(package), check=False)
    totals: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line.removeprefix("import time:").split("|")
        try:
            cumulative = int(parts[1].strip())
        except ValueError:
            continue
        name = parts[2].rstrip()
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        if depth == 1:  # what the handler module imports directly (and all that brings along)
            name = name.strip()
            top = name if name.startswith("gazette") else name.split(".")[0]
            totals[top] = totals.get(top, 0.0) + cumulative / 1000
    return sorted(totals.items(), key=lambda kv: -kv[1])[:limit]


def _dir_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def package_size(package: Path) -> dict[str, Any]:
    """The package as built (requirements.txt + functions/gazette + bytecode): unzipped and zipped size."""
    work = Path(tempfile.mkdtemp(prefix="bench-zip-"))
    try:
        sizes: dict[str, int] = {}
        for path in package.iterdir():
            name = path.name.split("-")[0] if path.name.endswith(".dist-info") else path.name
            sizes[name] = sizes.get(name, 0) + (_dir_size(path) if path.is_dir() else path.stat().st_size)
        archive = work / "package.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(package.rglob("*")):
                if path.is_file():
                    bundle.write(path, path.relative_to(package))
        runtime_sdk = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py"}
        unzipped = _dir_size(package)
        requirements = (ROOT / "functions" / "requirements.txt").read_text(encoding="utf-8").splitlines()
        return {
            "dependencies": [line for line in requirements if line and not line.startswith("#")],
            "unzipped_bytes": unzipped,
            "zipped_bytes": archive.stat().st_size,
            "without_sdk_unzipped_bytes": unzipped - sum(v for k, v in sizes.items() if k in runtime_sdk),
            "largest": sorted(sizes.items(), key=lambda kv: -kv[1])[:8],
            "python": sys.version.split()[0],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(runs: int) -> dict[str, Any]:
    """Build the package once, then imports, their breakdown and the package's size."""
    work = Path(tempfile.mkdtemp(prefix="bench-package-"))
    try:
        package = build_package(work / "package")
        imports = import_times(package, runs)
        breakdown = {m: import_breakdown(package, m) for m in imports["modules"] if m != BASELINE}
        return {"imports": imports, "import_breakdown": breakdown, "package": package_size(package)}
    finally:
        _writable_again(work)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 5), indent=1, default=str))
