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
