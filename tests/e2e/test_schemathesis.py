"""schemathesis (a tool we did not write) against the OpenAPI document of `gazette serve`.

It generates valid and invalid requests for every operation from the schema and checks the
answers: no server error for anything a client sends, statuses, content types and bodies as the
schema declares them, invalid data rejected, undeclared methods answered 405.

`positive_data_acceptance` is left out on purpose: some schema-valid values can still be refused
by design and cannot be told apart in a JSON Schema (an opaque cursor the API never issued, a
webhook host that does not resolve, a replay naming neither a delivery nor a moment), and those
answers are 4xx with the bad field named, which the other checks verify.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = "12"
SEED = "20240502"


def _schemathesis() -> str:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which("schemathesis")
    if found is None:
        pytest.fail("schemathesis is not installed: run `make install` (it is in the dev extras of pyproject.toml)")
    return found


def test_schemathesis_finds_no_server_error_and_every_answer_matches_the_schema(tmp_path):
    from gazette_local.serve import serving

    command = _schemathesis()
    with serving(0, tmp_path / "out", pipeline=False) as api:
        api.run_pipeline()  # documents and feed health, so listings have something to page through
        result = subprocess.run(
            [command, "run", f"{api.base_url}/openapi.json", "--checks", "all",
             "--exclude-checks", "positive_data_acceptance", "--max-examples", MAX_EXAMPLES, "--seed", SEED,
             "--workers", "1", "--request-timeout", "30", "--no-color", "--suppress-health-check", "all",
             "--report-dir", str(tmp_path / "report")],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,
            env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"},
        )
    report = result.stdout[-20000:] + result.stderr[-4000:]
    assert result.returncode == 0, report
    assert "Server error" not in result.stdout, report
