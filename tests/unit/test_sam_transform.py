"""template.yaml is accepted by aws-sam-translator: the SAM transform AWS runs on deploy, run offline."""

import copy

from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform

from gazette_local.template import Intrinsic, load_template


class _Policies:
    """The managed-policy loader asks IAM; the template uses none, so nothing needs loading."""

    def load(self):
        return {}


def _to_plain(value):
    """The template as CloudFormation's JSON form ({"Ref": ...}), which the translator reads."""
    if isinstance(value, Intrinsic):
        key = "Ref" if value.name == "Ref" else f"Fn::{value.name}"
        return {key: _to_plain(value.value)}
    if isinstance(value, dict):
        return {k: _to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_plain(v) for v in value]
    return value


def test_sam_translator_transforms_the_template_into_lambda_functions_and_mappings(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    template = _to_plain(copy.deepcopy(load_template()))
    template["Globals"]["Function"]["CodeUri"] = "s3://bucket/functions.zip"
    try:
        output = transform(template, {}, _Policies())
    except InvalidDocumentException as exc:  # pragma: no cover - the message is the useful part
        raise AssertionError("; ".join(str(cause) for cause in exc.causes)) from exc

    types = [resource["Type"] for resource in output["Resources"].values()]
    assert types.count("AWS::Lambda::Function") >= 8
    assert "AWS::Lambda::EventSourceMapping" in types
    assert "AWS::Scheduler::Schedule" in types
    mappings = [r["Properties"] for r in output["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert all(m.get("FunctionResponseTypes") == ["ReportBatchItemFailures"] for m in mappings)
