"""The embedded AWS: moto's server on 127.0.0.1 with the resources of template.yaml created in it.

Clients reach it through ordinary configuration (AWS_ENDPOINT_URL, region, credentials), exactly as
the functions would reach AWS. moto ignores the SAM transform and cannot run Lambda without Docker,
so this module reads the template's resources itself and creates them with boto3; the runner then
passes the real queue, stream and topic messages between the handlers.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from gazette_local.template import (
    Resolver,
    function_environment,
    load_template,
    parameter_defaults,
    resources_of_type,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "gazette-local"


@dataclass(frozen=True, slots=True)
class EventSource:
    kind: str  # "SQS" | "DynamoDB" | "ScheduleV2"
    source: str  # queue URL, stream ARN or schedule expression
    batch_size: int
    filter_insert_only: bool = False


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    logical_id: str
    handler: str
    environment: dict[str, str]
    sources: tuple[EventSource, ...]


@dataclass
class LocalStack:
    endpoint: str
    parameters: dict[str, str]
    resolver: Resolver
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)  # logical id -> URL
    tables: dict[str, str] = field(default_factory=dict)  # logical id -> name

    def client(self, service: str, config: Config | None = None):
        """A client of this stack; `config` is merged over the default (two attempts)."""
        base = Config(retries={"max_attempts": 2, "mode": "standard"})
        return boto3.client(
            service,
            endpoint_url=self.endpoint or None,  # None: moto's in-process mock_aws answers
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - moto accepts any credentials
            config=base.merge(config) if config else base,
        )

    def environment(self) -> dict[str, str]:
        """What every function's process needs to reach this stack, plus its template variables."""
        env = {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }
        if self.endpoint:
            env["AWS_ENDPOINT_URL"] = self.endpoint
        for spec in self.functions.values():
            env.update(spec.environment)
        return env

    def token_key(self) -> bytes:
        """The deployment's token key, as the functions read it."""
        from gazette.adapters.secrets import token_key

        return token_key(self.client("secretsmanager"), self.resolver.refs["TokenKeySecret"])

    @contextmanager
    def activated(self) -> Iterator[None]:
        """Points this process's boto3 clients at the stack for the duration."""
        previous = {key: os.environ.get(key) for key in self.environment()}
        os.environ.update(self.environment())
        try:
            yield
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def physical_name(logical_id: str) -> str:
    return f"{STACK}-{logical_id}"


def create_stack(endpoint: str, overrides: dict[str, str] | None = None) -> LocalStack:
    """Creates every resource of template.yaml in the moto server at `endpoint`.

    An empty endpoint creates them wherever boto3 goes by default: inside `mock_aws` in tests.
    """
    template = load_template()
    parameters = {**parameter_defaults(template), **(overrides or {})}
    resolver = Resolver(region=REGION, account=ACCOUNT, parameters=parameters)
    stack = LocalStack(endpoint=endpoint, parameters=parameters, resolver=resolver)

    _create_buckets(stack, template)
    _create_tables(stack, template)
    _create_queues(stack, template)
    _create_topics(stack, template)
    _create_subscriptions(stack, template)
    _create_configuration_sets(stack, template)
    _create_secrets(stack, template)
    _verify_sender(stack)
    _read_functions(stack, template)
    return stack


def _create_buckets(stack: LocalStack, template: dict[str, Any]) -> None:
    s3 = stack.client("s3")
    for logical in resources_of_type(template, "AWS::S3::Bucket"):
        name = physical_name(logical).lower()
        s3.create_bucket(Bucket=name)
        stack.resolver.refs[logical] = name
        stack.resolver.attrs[(logical, "Arn")] = f"arn:aws:s3:::{name}"


def _create_tables(stack: LocalStack, template: dict[str, Any]) -> None:
    dynamodb = stack.client("dynamodb")
    for logical, definition in resources_of_type(template, "AWS::DynamoDB::Table").items():
        props = stack.resolver.resolve(definition.get("Properties", {}))
        name = physical_name(logical)
        request: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if key in props:
                request[key] = props[key]
        if "StreamSpecification" in props:
            request["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": props["StreamSpecification"]["StreamViewType"],
            }
        table = dynamodb.create_table(**request)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
        stack.tables[logical] = name
        stack.resolver.refs[logical] = name
        stack.resolver.attrs[(logical, "Arn")] = table["TableArn"]
        if "LatestStreamArn" in table:
            stack.resolver.attrs[(logical, "StreamArn")] = table["LatestStreamArn"]


def _create_queues(stack: LocalStack, template: dict[str, Any]) -> None:
    sqs = stack.client("sqs")
    pending = dict(resources_of_type(template, "AWS::SQS::Queue"))
    # Dead-letter queues first: a queue's redrive policy names its DLQ's ARN.
    while pending:
        progressed = False
        for logical, definition in list(pending.items()):
            props = definition.get("Properties", {})
            dlq = props.get("RedrivePolicy", {}).get("deadLetterTargetArn")
            if dlq is not None and (dlq.value[0], "Arn") not in stack.resolver.attrs:
                continue
            props = stack.resolver.resolve(props)
            attributes = {
                key: str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
                for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds",
                            "ReceiveMessageWaitTimeSeconds", "MaximumMessageSize", "SqsManagedSseEnabled")
                if key in props
            }
            if "RedrivePolicy" in props:
                attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
            name = physical_name(logical)
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            stack.queues[logical] = url
            stack.resolver.refs[logical] = url
            stack.resolver.attrs[(logical, "Arn")] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
            stack.resolver.attrs[(logical, "QueueName")] = name
            del pending[logical]
            progressed = True
        if not progressed:
            raise ValueError(f"queues with unresolvable dead-letter targets: {sorted(pending)}")


def _create_topics(stack: LocalStack, template: dict[str, Any]) -> None:
    sns = stack.client("sns")
    for logical in resources_of_type(template, "AWS::SNS::Topic"):
        name = physical_name(logical)
        arn = sns.create_topic(Name=name)["TopicArn"]
        stack.resolver.refs[logical] = arn
        stack.resolver.attrs[(logical, "TopicName")] = name
        stack.resolver.attrs[(logical, "TopicArn")] = arn


def _create_subscriptions(stack: LocalStack, template: dict[str, Any]) -> None:
    sns = stack.client("sns")
    for definition in resources_of_type(template, "AWS::SNS::Subscription").values():
        if "Condition" in definition or definition["Properties"].get("Protocol") != "sqs":
            continue  # operators' own endpoints (e.g. the optional alarm mail) have no local stand-in
        props = stack.resolver.resolve(definition["Properties"])
        attributes = {}
        if props.get("RawMessageDelivery"):
            attributes["RawMessageDelivery"] = "true"
        if "FilterPolicy" in props:
            attributes["FilterPolicy"] = json.dumps(props["FilterPolicy"])
            attributes["FilterPolicyScope"] = props.get("FilterPolicyScope", "MessageAttributes")
        sns.subscribe(
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )


def _create_configuration_sets(stack: LocalStack, template: dict[str, Any]) -> None:
    """moto implements configuration sets but not their event destinations: SES bounce and complaint
    events are tested by handing the SES events function the SNS messages SES would publish."""
    sesv2 = stack.client("sesv2")
    for logical in resources_of_type(template, "AWS::SES::ConfigurationSet"):
        name = physical_name(logical)
        sesv2.create_configuration_set(ConfigurationSetName=name)
        stack.resolver.refs[logical] = name


def _create_secrets(stack: LocalStack, template: dict[str, Any]) -> None:
    """A generated secret string, as CloudFormation's GenerateSecretString would make, fresh per stack."""
    client = stack.client("secretsmanager")
    for logical, definition in resources_of_type(template, "AWS::SecretsManager::Secret").items():
        length = int(definition.get("Properties", {}).get("GenerateSecretString", {}).get("PasswordLength", 64))
        arn = client.create_secret(Name=physical_name(logical), SecretString=secrets.token_hex(length)[:length])["ARN"]
        stack.resolver.refs[logical] = arn


def _sns_tap(stack: LocalStack, logical: str, topic_arn: str) -> str:
    """A queue subscribed to the topic, so the runner can hand its messages to an SNS-triggered function."""
    sqs, sns = stack.client("sqs"), stack.client("sns")
    name = physical_name(f"{logical}-sns-tap")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
                  ReturnSubscriptionArn=True)
    return url


def _verify_sender(stack: LocalStack) -> None:
    """SES refuses unverified senders; on AWS the operator verifies the domain once (README)."""
    sender = stack.parameters["SenderAddress"]
    stack.client("sesv2").create_email_identity(EmailIdentity=sender.rsplit("@", 1)[-1])


def _read_functions(stack: LocalStack, template: dict[str, Any]) -> None:
    for logical, definition in resources_of_type(template, "AWS::Serverless::Function").items():
        props = definition["Properties"]
        environment = {
            key: str(value)
            for key, value in stack.resolver.resolve(function_environment(template, logical)).items()
        }
        sources = []
        for event in props.get("Events", {}).values():
            if event["Type"] in {"HttpApi", "Api"}:
                continue  # HTTP requests reach the handler through `gazette serve`, not the runner
            event_props = stack.resolver.resolve(event.get("Properties", {}))
            kind = event["Type"]
            if kind == "SQS":
                arn = event_props["Queue"]
                queue = arn.rsplit(":", 1)[-1]
                url = next(u for u in stack.queues.values() if u.rsplit("/", 1)[-1] == queue)
                sources.append(EventSource("SQS", url, int(event_props.get("BatchSize", 10))))
            elif kind == "DynamoDB":
                patterns = event_props.get("FilterCriteria", {}).get("Filters", [])
                insert_only = any('"INSERT"' in f.get("Pattern", "") for f in patterns)
                sources.append(EventSource("DynamoDB", event_props["Stream"],
                                           int(event_props.get("BatchSize", 100)), insert_only))
            elif kind == "SNS":
                sources.append(EventSource("SNS", _sns_tap(stack, logical, event_props["Topic"]), 10))
            elif kind in {"ScheduleV2", "Schedule"}:
                sources.append(EventSource(kind, event_props["ScheduleExpression"], 1))
        stack.functions[logical] = FunctionSpec(
            logical_id=logical,
            handler=props["Handler"],
            environment=environment,
            sources=tuple(sources),
        )
