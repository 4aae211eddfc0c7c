"""A poison entry is retried, then kept in the DLQ with its reason; the rest of its batch goes on."""

from pathlib import Path

import pytest

from gazette.messages import EntryMessage
from gazette_local.runner import Runner
from gazette_local.servers import feed_server


@pytest.fixture
def documents_http(tmp_path: Path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nthis is not a whole pdf")
    with feed_server(tmp_path) as server:
        yield server


def _send(aws_stack, *entries: EntryMessage) -> None:
    aws_stack.client("sqs").send_message_batch(
        QueueUrl=aws_stack.queues["EntriesQueue"],
        Entries=[{"Id": str(i), "MessageBody": e.model_dump_json()} for i, e in enumerate(entries)],
    )


def _dead_letters(aws_stack):
    return aws_stack.client("sqs").receive_message(
        QueueUrl=aws_stack.queues["EntriesDLQ"], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", [])


def test_broken_pdf_and_dead_link_go_to_the_dlq_with_reasons_while_the_good_entry_is_stored(
        aws_stack, documents_http):
    good = EntryMessage(feed_id="f", entry_id="good", title="关于印发威海市气象灾害应急预案的通知",
                        summary="为做好气象灾害防御工作，现将预案印发给你们。", fetch_link=False)
    broken_pdf = EntryMessage(feed_id="f", entry_id="pdf", title="", link=f"{documents_http.base_url}/broken.pdf")
    dead_link = EntryMessage(feed_id="f", entry_id="404", title="", link=f"{documents_http.base_url}/missing")
    _send(aws_stack, good, broken_pdf, dead_link)

    Runner(aws_stack).drain()

    stored = aws_stack.client("dynamodb").scan(TableName=aws_stack.tables["DocumentsTable"])["Items"]
    assert [item["entry_id"]["S"] for item in stored] == ["good"]
    reasons = {m["Body"].split('"entry_id":"')[1].split('"')[0]:
               m["MessageAttributes"]["failure_reason"]["StringValue"] for m in _dead_letters(aws_stack)}
    assert set(reasons) == {"pdf", "404"}
    assert reasons["pdf"].startswith("ExtractionError")
    assert "HTTP 404" in reasons["404"]
