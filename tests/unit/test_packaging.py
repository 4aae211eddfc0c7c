"""What ships: the functions' requirements and the published event schema stay equal to their sources."""

import json
import tomllib
from pathlib import Path

from gazette.messages import DocumentCreated

ROOT = Path(__file__).resolve().parents[2]


def test_functions_requirements_pin_exactly_the_projects_runtime_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    lines = (ROOT / "functions" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pinned = [line for line in lines if line and not line.startswith("#")]
    assert pinned == project
    assert all("==" in requirement for requirement in pinned)


def test_published_document_created_schema_is_the_models_schema():
    published = json.loads((ROOT / "docs" / "schemas" / "document.created.v1.json").read_text(encoding="utf-8"))
    assert published == DocumentCreated.model_json_schema(), (
        "regenerate docs/schemas/document.created.v1.json from gazette.messages.DocumentCreated")


def test_dev_only_packages_are_not_runtime_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    names = {requirement.split("==")[0] for requirement in project}
    assert not names & {"moto", "pytest", "ruff", "cfn-lint", "reportlab", "schemathesis", "playwright"}
