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


def test_document_created_v1_only_gained_page_url_an_optional_field():
    schema = DocumentCreated.model_json_schema()
    document = schema["$defs"]["DocumentOut"]

    assert document["required"] == ["id", "title", "feed_id", "language", "domains"]
    assert document["properties"]["page_url"]["default"] is None
    assert schema["required"] == ["id", "occurred_at", "document"]


def test_a_document_event_links_the_documents_page_under_the_public_address():
    from gazette.services.publish import document_out

    image = {"doc_id": {"S": "doc_" + "a" * 32}, "title": {"S": "关于印发威海市气象灾害应急预案的通知"},
             "feed_id": {"S": "weihai"}, "url": {"S": "https://www.weihai.gov.cn/art/1.html"}}

    linked = document_out(image, "https://alerts.example.org/")
    unlinked = document_out(image)

    assert (linked.url, linked.page_url) == ("https://www.weihai.gov.cn/art/1.html",
                                             "https://alerts.example.org/documents/doc_" + "a" * 32)
    assert unlinked.page_url is None


def _build_code(target: Path) -> None:
    import subprocess
    import sys

    subprocess.run(["make", "--no-print-directory", "-C", str(ROOT / "functions"), "code",
                    f"ARTIFACTS_DIR={target}", f"PYTHON={sys.executable}"],
                   check=True, capture_output=True, text=True)


def test_the_built_package_ships_unchecked_hash_bytecode_for_every_module(tmp_path):
    import importlib.util

    _build_code(tmp_path)

    sources = sorted((tmp_path / "gazette").rglob("*.py"))
    assert len(sources) == len(list((ROOT / "functions" / "gazette").rglob("*.py")))
    for source in sources:
        compiled = Path(importlib.util.cache_from_source(str(source)))
        header = compiled.read_bytes()[:16]
        assert header[:4] == importlib.util.MAGIC_NUMBER, source
        # PEP 552: flags 0b01 = hash-based, source not checked (valid whatever the zip does to mtimes).
        assert int.from_bytes(header[4:8], "little") == 0b01, source


def test_a_handler_imported_from_the_built_package_runs_its_bytecode_not_its_source(tmp_path):
    import os
    import subprocess
    import sys

    _build_code(tmp_path)
    # Change a source after the build: an interpreter that compiled the sources would see the change.
    marker = tmp_path / "gazette" / "__init__.py"
    marker.write_text(marker.read_text(encoding="utf-8") + "\nCOMPILED_FROM_SOURCE = True\n", encoding="utf-8")
    for path in tmp_path.rglob("*"):
        path.chmod(path.stat().st_mode & 0o555)  # read-only, as on Lambda
    try:
        env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1",
               "AWS_DEFAULT_REGION": "us-east-1"}
        done = subprocess.run(
            [sys.executable, "-c", "import gazette, gazette.handlers.poller; "
                                   "print(hasattr(gazette, 'COMPILED_FROM_SOURCE'), gazette.__file__)"],
            capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    finally:
        for path in tmp_path.rglob("*"):
            path.chmod(path.stat().st_mode | 0o200)
    assert done.stdout.split() == ["False", str(tmp_path / "gazette" / "__init__.py")]


def test_every_function_is_built_by_the_package_makefile():
    from gazette_local.template import load_template, resources_of_type

    functions = resources_of_type(load_template(), "AWS::Serverless::Function")
    assert functions
    assert {name: f.get("Metadata", {}).get("BuildMethod") for name, f in functions.items()} == {
        name: "makefile" for name in functions}
