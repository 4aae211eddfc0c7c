"""Every sample event in events/ (the ones `sam local invoke -e` takes) parses into its handler's model and
runs through the real handler on moto without a failure."""

import json
from pathlib import Path

import pytest

from gazette.messages import DocumentCreated, EntryMessage, FeedJob, WebhookDeliveryJob
from gazette.services.publish import document_out
from gazette_local.runner import LambdaContext
from gazette_local.template import load_template, resources_of_type

EVENTS = Path(__file__).resolve().parents[2] / "events"
FUNCTIONS = {
    definition["Properties"]["Handler"].rsplit(".", 2)[-2]: (logical, definition["Properties"]["Handler"])
    for logical, definition in resources_of_type(load_template(), "AWS::Serverless::Function").items()
}


def _parse_into_model(module: str, event: dict) -> None:
    """Each event's payload must be what its handler's inbound model accepts."""
    if module in {"scheduler", "digest"}:
        assert event["source"] == "aws.scheduler"
    elif module == "poller":
        FeedJob.model_validate_json(event["Records"][0]["body"])
    elif module == "ingest":
        EntryMessage.model_validate_json(event["Records"][0]["body"])
    elif module == "publisher":
        document_out(event["Records"][0]["dynamodb"]["NewImage"])
    elif module in {"mailer", "webhooks"}:
        body = json.loads(event["Records"][0]["body"])
        model = WebhookDeliveryJob if body.get("type") == "webhook.delivery" else DocumentCreated
        model.model_validate(body)
    elif module == "ses_events":
        assert json.loads(event["Records"][0]["Sns"]["Message"])["eventType"] in {"Bounce", "Complaint"}


@pytest.mark.parametrize("module", sorted(m for m in FUNCTIONS if (EVENTS / f"{m}.json").exists()))
def test_sample_event_parses_and_runs_through_its_handler_without_failures(module, aws_stack):
    import importlib

    event = json.loads((EVENTS / f"{module}.json").read_text(encoding="utf-8"))
    _parse_into_model(module, event)
    logical, handler = FUNCTIONS[module]
    function = importlib.import_module(handler.rsplit(".", 1)[0]).lambda_handler

    result = function(event, LambdaContext(logical))

    assert not (result or {}).get("batchItemFailures")


def test_every_function_except_the_http_api_has_a_sample_event():
    missing = [m for m in FUNCTIONS if m != "api" and not (EVENTS / f"{m}.json").exists()]
    assert missing == []
