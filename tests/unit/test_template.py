"""template.yaml is the single definition of the resources: check what the local stack reads of it."""

import importlib

import pytest

from gazette_local.template import Intrinsic, Resolver, TemplateError, load_template, resources_of_type


def test_template_defines_one_function_per_stage_each_a_dotted_path_into_the_package():
    functions = resources_of_type(load_template(), "AWS::Serverless::Function")
    handlers = {props["Properties"]["Handler"] for props in functions.values()}

    assert {
        "gazette.handlers.scheduler.lambda_handler",
        "gazette.handlers.poller.lambda_handler",
        "gazette.handlers.ingest.lambda_handler",
        "gazette.handlers.publisher.lambda_handler",
        "gazette.handlers.mailer.lambda_handler",
        "gazette.handlers.webhooks.lambda_handler",
    } <= handlers
    for handler in handlers:
        module, name = handler.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name))


def test_every_queue_consumer_reports_partial_batch_failures_and_every_queue_has_a_dlq():
    template = load_template()
    queues = resources_of_type(template, "AWS::SQS::Queue")
    for function in resources_of_type(template, "AWS::Serverless::Function").values():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] in {"SQS", "DynamoDB"}:
                assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    consumed = [name for name in queues if not name.endswith("DLQ")]
    for name in consumed:
        assert "deadLetterTargetArn" in queues[name]["Properties"]["RedrivePolicy"]


def test_resolver_turns_intrinsics_into_physical_names():
    resolver = Resolver(region="us-east-1", account="123", parameters={"Stage": "dev"},
                        refs={"Table": "t-name"}, attrs={("Queue", "Arn"): "arn:q"})

    assert resolver.resolve(Intrinsic("Ref", "Table")) == "t-name"
    assert resolver.resolve(Intrinsic("GetAtt", ["Queue", "Arn"])) == "arn:q"
    assert resolver.resolve(Intrinsic("Sub", "${AWS::Region}-${Stage}-${Table}")) == "us-east-1-dev-t-name"


def test_resolver_refuses_a_reference_the_stack_does_not_define():
    with pytest.raises(TemplateError, match="Missing"):
        Resolver(region="r", account="a", parameters={}).resolve(Intrinsic("Ref", "Missing"))
