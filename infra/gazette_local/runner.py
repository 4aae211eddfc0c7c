"""Runs the real handlers in-process, in pipeline order, handing over the real messages.

moto cannot run Lambda without Docker, so this plays the Lambda service's part: it receives from
each function's queue, reads the documents table's stream, builds the same events Lambda would
(SQS batches, DynamoDB stream batches), invokes the handler and acts on its partial batch response
(successes deleted, failures made visible again so SQS's redrive policy counts them).
"""

from __future__ import annotations

import importlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.config import Config

from gazette_local.stack import ACCOUNT, REGION, EventSource, FunctionSpec, LocalStack


@dataclass
class LambdaContext:
    """What a handler (and Powertools) reads of the Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass
class Invocations:
    counts: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)

    def add(self, function: str, records: int, failed: int) -> None:
        self.counts[function] = self.counts.get(function, 0) + records
        self.failures[function] = self.failures.get(function, 0) + failed


def _handler(spec: FunctionSpec) -> Callable[[dict[str, Any], Any], Any]:
    module_name, function_name = spec.handler.rsplit(".", 1)
    return getattr(importlib.import_module(module_name), function_name)


class Runner:
    def __init__(self, stack: LocalStack, *, max_rounds: int = 500) -> None:
        self.stack = stack
        # Lambda's pollers are not Python: the runner's own calls are made as cheaply as botocore allows
        # (no client-side validation of the requests it builds itself, a fixed User-Agent).
        lean = Config(parameter_validation=False, user_agent="gazette-local-runner")
        self.sqs = stack.client("sqs", lean)
        self.streams = stack.client("dynamodbstreams", lean)
        self.max_rounds = max_rounds
        self.invocations = Invocations()
        self._iterators: dict[str, list[str]] = {}
        self.cold_start()

    def cold_start(self) -> None:
        """New stack, new Lambda containers: handlers build their clients and settings again."""
        for spec in self.stack.functions.values():
            module = importlib.import_module(spec.handler.rsplit(".", 1)[0])
            cached = getattr(module, "dependencies", None)
            if cached is not None and hasattr(cached, "cache_clear"):
                cached.cache_clear()

    # ------------------------------------------------------------------ invoking
    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        spec = self.stack.functions[logical_id]
        return _handler(spec)(event, LambdaContext(function_name=f"gazette-local-{logical_id}"))

    def run_schedule(self) -> Any:
        """What EventBridge Scheduler would do at the next tick (moto's schedules never fire)."""
        event = {"source": "aws.scheduler", "detail-type": "Scheduled Event", "time": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        for spec in self.stack.functions.values():
            if any(source.kind in {"ScheduleV2", "Schedule"} for source in spec.sources):
                return self.invoke(spec.logical_id, event)
        return None

    def drain(self) -> Invocations:
        """Delivers messages until every queue and stream is quiet.

        Stage by stage, in the template's order: each source is read until it is empty before the
        next stage runs, as Lambda's batching window would gather a burst into full batches.
        """
        for _ in range(self.max_rounds):
            worked = False
            for spec in self.stack.functions.values():
                for source in spec.sources:
                    for _ in range(self.max_rounds):
                        if not self._poll(spec, source):
                            break
                        worked = True
            if not worked:
                return self.invocations
        raise RuntimeError("the pipeline did not settle: a message keeps coming back")

    def _poll(self, spec: FunctionSpec, source: EventSource) -> bool:
        if source.kind in {"SQS", "SNS"}:
            return self._poll_queue(spec, source)
        if source.kind == "DynamoDB":
            return self._poll_stream(spec, source)
        return False

    # ------------------------------------------------------------------ SQS
    def _poll_queue(self, spec: FunctionSpec, source: EventSource) -> bool:
        # As Lambda's poller does: gather up to the mapping's batch size, ten messages a receive.
        messages: list[dict[str, Any]] = []
        while len(messages) < source.batch_size:
            received = self.sqs.receive_message(
                QueueUrl=source.source,
                MaxNumberOfMessages=min(10, source.batch_size - len(messages)),
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            messages.extend(received)
            if not received:
                break
        if not messages:
            return False
        arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{source.source.rsplit('/', 1)[-1]}"
        if source.kind == "SNS":
            event = {"Records": [_sns_record(message) for message in messages]}
        else:
            event = {"Records": [_sqs_record(message, arn) for message in messages]}
        try:
            result = self.invoke(spec.logical_id, event) or {}
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        except Exception:
            failed = {message["MessageId"] for message in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=source.source,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                         for i, m in enumerate(done[start : start + 10])],
            )
        retry = [m for m in messages if m["MessageId"] in failed]
        for start in range(0, len(retry), 10):
            # Visible again at once: the queue's redrive policy moves it to the DLQ after its limit.
            self.sqs.change_message_visibility_batch(
                QueueUrl=source.source,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                         for i, m in enumerate(retry[start : start + 10])],
            )
        self.invocations.add(spec.logical_id, len(messages), len(retry))
        return True

    # ------------------------------------------------------------------ DynamoDB streams
    def _poll_stream(self, spec: FunctionSpec, source: EventSource) -> bool:
        iterators = self._iterators.get(source.source)
        if iterators is None:
            shards = self.streams.describe_stream(StreamArn=source.source)["StreamDescription"]["Shards"]
            iterators = [
                self.streams.get_shard_iterator(StreamArn=source.source, ShardId=shard["ShardId"],
                                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
                for shard in shards
            ]
        worked = False
        next_iterators = []
        for iterator in iterators:
            page = self.streams.get_records(ShardIterator=iterator, Limit=source.batch_size)
            records = page.get("Records", [])
            if source.filter_insert_only:
                records = [r for r in records if r.get("eventName") == "INSERT"]
            if records:
                worked = True
                self._invoke_stream(spec, source, records)
            next_iterators.append(page.get("NextShardIterator") or iterator)
        self._iterators[source.source] = next_iterators
        return worked

    def _invoke_stream(self, spec: FunctionSpec, source: EventSource, records: list[dict[str, Any]],
                       attempts: int = 3) -> None:
        events = [{**record, "eventSourceARN": source.source} for record in records]
        for _ in range(attempts):
            result = self.invoke(spec.logical_id, {"Records": events}) or {}
            failed = [item["itemIdentifier"] for item in result.get("batchItemFailures", [])]
            self.invocations.add(spec.logical_id, len(events), len(failed))
            if not failed:
                return
            # As Lambda does: retry from the first failed record onwards.
            first = min(failed)
            events = [e for e in events if e["dynamodb"]["SequenceNumber"] >= first]


def _sqs_record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    attributes = {
        name: {"stringValue": value.get("StringValue"), "dataType": value.get("DataType", "String"),
               "stringListValues": [], "binaryListValues": []}
        for name, value in message.get("MessageAttributes", {}).items()
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": REGION,
    }


def _sns_record(message: dict[str, Any]) -> dict[str, Any]:
    """An SNS-to-Lambda record from the envelope SNS wrote to the tap queue."""
    envelope = json.loads(message["Body"])
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{envelope.get('TopicArn', '')}:local",
        "Sns": {
            "Type": envelope.get("Type", "Notification"),
            "MessageId": envelope.get("MessageId", message["MessageId"]),
            "TopicArn": envelope.get("TopicArn", ""),
            "Subject": envelope.get("Subject"),
            "Message": envelope.get("Message", ""),
            "Timestamp": envelope.get("Timestamp", ""),
            "MessageAttributes": envelope.get("MessageAttributes", {}),
        },
    }


def sent_mail(endpoint: str) -> list[dict[str, Any]]:
    """What SES accepted, as moto keeps it (raw MIME with its destinations)."""
    import urllib.request

    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=10) as response:  # noqa: S310
        data = json.load(response)
    return list(data.get("ses", {}).get("RawMessage", []))
