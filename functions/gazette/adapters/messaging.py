"""SQS and SNS adapters: always in batches of ten, the most one call may carry."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gazette.adapters.dynamo import chunks
from gazette.adapters.errors import AWS_ERRORS, StoreError

BATCH = 10



@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    id: str  # unique within one batch call
    body: str
    delay_seconds: int = 0
    attributes: dict[str, str] | None = None


class Queue:
    def __init__(self, client: Any, url: str) -> None:
        self._client = client
        self.url = url

    def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        """Sends every message or raises StoreError naming how many failed."""
        for chunk in chunks(messages, BATCH):
            entries = []
            for index, message in enumerate(chunk):
                entry: dict[str, Any] = {"Id": str(index), "MessageBody": message.body}
                if message.delay_seconds:
                    entry["DelaySeconds"] = min(900, max(0, int(message.delay_seconds)))
                if message.attributes:
                    entry["MessageAttributes"] = {
                        key: {"DataType": "String", "StringValue": value}
                        for key, value in message.attributes.items()
                    }
                entries.append(entry)
            try:
                response = self._client.send_message_batch(QueueUrl=self.url, Entries=entries)
            except AWS_ERRORS as exc:
                raise StoreError(f"sending {len(entries)} messages failed") from exc
            failed = response.get("Failed") or []
            if failed:
                raise StoreError(f"{len(failed)} of {len(entries)} messages were not accepted")


@dataclass(frozen=True, slots=True)
class Publication:
    id: str
    body: str
    string_attributes: dict[str, str]
    array_attributes: dict[str, list[str]]
    number_attributes: dict[str, int]


class Topic:
    def __init__(self, client: Any, arn: str) -> None:
        self._client = client
        self.arn = arn

    def publish_all(self, publications: Sequence[Publication]) -> list[str]:
        """Publishes in batches; returns the ids that failed (the caller retries those records)."""
        failed: list[str] = []
        for chunk in chunks(publications, BATCH):
            entries = []
            for index, item in enumerate(chunk):
                attributes: dict[str, dict[str, str]] = {}
                for key, value in item.string_attributes.items():
                    if value:
                        attributes[key] = {"DataType": "String", "StringValue": value}
                for key, values in item.array_attributes.items():
                    attributes[key] = {"DataType": "String.Array",
                                       "StringValue": json.dumps(values, ensure_ascii=False)}
                for key, number in item.number_attributes.items():
                    attributes[key] = {"DataType": "Number", "StringValue": str(number)}
                entries.append({"Id": str(index), "Message": item.body, "MessageAttributes": attributes})
            try:
                response = self._client.publish_batch(TopicArn=self.arn, PublishBatchRequestEntries=entries)
            except AWS_ERRORS:
                failed.extend(item.id for item in chunk)
                continue
            failed.extend(chunk[int(entry["Id"])].id for entry in response.get("Failed") or [])
        return failed
