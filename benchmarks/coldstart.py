"""Cold start: import time of each handler module (fresh interpreter), what it drags in, package size."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, VENV_PY, median

# Heavy libraries and which handlers have a use for them.
HEAVY = ("feedparser", "lxml", "pypdf", "jinja2", "nh3", "ahocorasick", "standardwebhooks", "yaml",
         "aws_lambda_powertools.utilities.idempotency", "pydantic_settings")

_PROBE = """
import json, sys, time
start = time.perf_counter()
import importlib
importlib.import_module(sys.argv[1])
took = time.perf_counter() - start
heavy = json.loads(sys.argv[2])
print(json.dumps({"import_s": took, "modules": len(sys.modules), "heavy": [m for m in heavy if m in sys.modules]}))
"""


def handler_modules() -> list[str]:
    """The modules template.yaml names as Lambda handlers."""
    from gazette_local.template import load_template, resources_of_type

    functions = resources_of_type(load_template(), "AWS::Serverless::Function").values()
    return sorted({f["Properties"]["Handler"].rsplit(".", 1)[0] for f in functions if "Handler" in f["Properties"]})


def import_times(runs: int) -> dict[str, dict[str, Any]]:
    out = {}
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    for module in handler_modules():
        samples, walls, last = [], [], {}
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run([str(VENV_PY), "-c", _PROBE, module, json.dumps(HEAVY)], capture_output=True,
                                  text=True, env=env, check=False)
            walls.append(time.perf_counter() - started)
            if done.returncode != 0:
                last = {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
                break
            last = json.loads(done.stdout)
            samples.append(last["import_s"])
        out[module] = {"import_s": median(samples) if samples else None,
                       "process_wall_s": median(walls), **last}
    return out


def import_breakdown(module: str, limit: int = 8) -> list[tuple[str, float]]:
    """`python -X importtime`: the top-level packages that cost the most (cumulative ms)."""
    done = subprocess.run([str(VENV_PY), "-X", "importtime", "-c", f"import {module}"], capture_output=True,
                          text=True, env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}, check=False)
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


def package_size() -> dict[str, Any]:
    """The runtime dependencies of pyproject [project] plus functions/gazette, as `pip install --target`."""
    import gazette

    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    work = Path(tempfile.mkdtemp(prefix="bench-package-"))
    try:
        target = work / "package"
        done = subprocess.run([str(VENV_PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                               "--no-compile", "--target", str(target), *dependencies],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return {"error": done.stderr.strip()[-500:]}
        shutil.copytree(Path(gazette.__file__).parent, target / "gazette",
                        ignore=shutil.ignore_patterns("__pycache__"))
        sizes = {}
        for path in target.iterdir():
            name = path.name.split("-")[0] if path.name.endswith(".dist-info") else path.name
            sizes[name] = sizes.get(name, 0) + (_dir_size(path) if path.is_dir() else path.stat().st_size)
        archive = work / "package.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(target.rglob("*")):
                if path.is_file():
                    bundle.write(path, path.relative_to(target))
        runtime_sdk = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py"}
        unzipped = _dir_size(target)
        return {
            "dependencies": dependencies,
            "unzipped_bytes": unzipped,
            "zipped_bytes": archive.stat().st_size,
            "without_sdk_unzipped_bytes": unzipped - sum(v for k, v in sizes.items() if k in runtime_sdk),
            "largest": sorted(sizes.items(), key=lambda kv: -kv[1])[:8],
            "python": sys.version.split()[0],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
