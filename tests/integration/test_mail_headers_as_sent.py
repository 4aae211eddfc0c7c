"""Mail headers as SES receives them: the raw bytes of each mail, never a decoded header.

Confirmation, instant alert and digest mails go through the real handlers and services to moto's
SES, with a public base URL of realistic length; the unsubscribe header of each must be a plain
`<https://...>` a receiver can read, the one-click header verbatim, and nothing RFC 2047 encoded.
"""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email import policy

import pytest
from moto.backends import get_backend

from gazette.domain.digest import period_of
from gazette.domain.subscriptions import Mode
from gazette.messages import DocumentOut
from gazette.services.publish import document_event
from gazette_local.runner import LambdaContext, _sqs_record

BASE_URL = "https://alerts.gazette-alerts.example.org/zh-hans"
SENDER = "alerts@gazette-alerts.example"


@pytest.fixture
def public_url(aws_stack, monkeypatch):
    """The functions read PUBLIC_BASE_URL at cold start: set it, and start them cold."""
    from gazette.handlers import digest, mailer

    monkeypatch.setenv("PUBLIC_BASE_URL", BASE_URL)
    mailer.dependencies.cache_clear()
    digest.dependencies.cache_clear()
    yield
    mailer.dependencies.cache_clear()
    digest.dependencies.cache_clear()


def sent_raw() -> list[str]:
    """Each mail exactly as the adapter handed it to SES (moto keeps the raw MIME it received)."""
    return [message.raw_data for message in get_backend("ses")["123456789012"]["us-east-1"].sent_messages]


def raw_header_lines(raw: str, name: str) -> list[str]:
    """A header's physical lines, folding kept, from the raw header block."""
    block = raw.split("\r\n\r\n", 1)[0].split("\r\n")
    lines: list[str] = []
    for index, line in enumerate(block):
        if line.lower().startswith(name.lower() + ":"):
            lines.append(line)
            lines.extend(following for following in block[index + 1:][:_continuations(block, index)])
    return lines


def _continuations(block: list[str], index: int) -> int:
    count = 0
    for line in block[index + 1:]:
        if not line.startswith((" ", "\t")):
            break
        count += 1
    return count


def _store(aws_stack):
    from gazette.adapters.subscription_store import SubscriptionStore

    return SubscriptionStore(aws_stack.client("dynamodb"), aws_stack.tables["SubscriptionsTable"],
                             token_key=aws_stack.token_key())


def _confirmed(aws_stack, address: str, mode: Mode):
    from gazette.adapters.mail import MailSender
    from gazette.services.subscribe import subscribe_email

    store = _store(aws_stack)
    created = subscribe_email(store, MailSender(aws_stack.client("sesv2")), address=address,
                              domains=["disasters"], sender=SENDER, base_url=BASE_URL, mode=mode)
    confirm = email.message_from_string(sent_raw()[-1], policy=policy.default)
    token = re.search(r"/confirm\?s=\S+&t=(\S+)", confirm.get_body(("plain",)).get_content()).group(1)
    return store.confirm(created.subscription.subscription_id, token, datetime.now(UTC))


def _deliver(document: DocumentOut) -> None:
    from gazette.handlers import mailer

    record = _sqs_record({"MessageId": "m-1", "ReceiptHandle": "r", "Body": document_event(document).model_dump_json()},
                         "arn:aws:sqs:us-east-1:123456789012:q")
    assert mailer.lambda_handler({"Records": [record]}, LambdaContext("mailer")) == {"batchItemFailures": []}


DOCUMENT = DocumentOut(id="doc_a", title="关于印发威海市气象灾害应急预案的通知", feed_id="f", language="zh-Hans",
                       domains=["disasters"], text_url="s3://b/doc_a")


def expected_lines(aws_stack, subscription_id: str) -> list[str]:
    token = _store(aws_stack).unsubscribe_token(subscription_id)
    return [f"List-Unsubscribe: <{BASE_URL}/unsubscribe?s={subscription_id}&t={token}>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]


def test_confirmation_and_alert_mails_carry_a_plain_uri_unsubscribe_header_in_their_raw_bytes(aws_stack, public_url):
    subscription = _confirmed(aws_stack, "li.ming@example.org", Mode.INSTANT)
    _deliver(DOCUMENT)

    confirmation, alert = sent_raw()
    for raw in (confirmation, alert):
        assert (raw_header_lines(raw, "List-Unsubscribe") + raw_header_lines(raw, "List-Unsubscribe-Post")
                == expected_lines(aws_stack, subscription.subscription_id))
        assert "=?" not in "".join(raw_header_lines(raw, "List-Unsubscribe"))
    assert len(expected_lines(aws_stack, subscription.subscription_id)[0]) > 78  # longer than SMTP's fold width


def test_digest_mail_carries_a_plain_uri_unsubscribe_header_in_its_raw_bytes(aws_stack, public_url):
    from gazette.handlers import digest

    subscription = _confirmed(aws_stack, "wang.fang@example.org", Mode.DAILY)
    _deliver(DOCUMENT)
    period = period_of(Mode.DAILY, datetime.now(UTC))

    assert digest.lambda_handler({"periods": [period]}, LambdaContext("digest"))["sent"] == 1

    raw = sent_raw()[-1]
    assert (raw_header_lines(raw, "List-Unsubscribe") + raw_header_lines(raw, "List-Unsubscribe-Post")
            == expected_lines(aws_stack, subscription.subscription_id))


def test_alert_mails_composed_for_several_subscribers_reach_ses_each_with_its_own_header_and_links(aws_stack,
                                                                                                   public_url):
    subscriptions = [_confirmed(aws_stack, f"reader{n}@example.org", Mode.INSTANT) for n in range(3)]
    _deliver(DOCUMENT)

    alerts = sent_raw()[3:]
    parsed = [email.message_from_string(raw, policy=policy.default) for raw in alerts]
    by_recipient = {str(mail["To"]): (raw, mail) for raw, mail in zip(alerts, parsed, strict=True)}
    assert sorted(by_recipient) == ["reader0@example.org", "reader1@example.org", "reader2@example.org"]
    for subscription in subscriptions:
        raw, mail = by_recipient[subscription.target]
        header = expected_lines(aws_stack, subscription.subscription_id)
        link = header[0].removeprefix("List-Unsubscribe: <").removesuffix(">")
        assert raw_header_lines(raw, "List-Unsubscribe") + raw_header_lines(raw, "List-Unsubscribe-Post") == header
        assert [part.get_content_type() for part in mail.iter_parts()] == ["text/plain", "text/html"]
        assert link in mail.get_body(("plain",)).get_content()
        assert link.replace("&", "&amp;") in mail.get_body(("html",)).get_content()
