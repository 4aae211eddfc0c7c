"""Digests (one mail per subscription per period) and the suppression list fed by SES events."""

import email
import json
from datetime import UTC, datetime
from email import policy

from moto.backends import get_backend

from gazette.domain.digest import period_of
from gazette.domain.subscriptions import Mode
from gazette.messages import DocumentOut
from gazette.services.publish import document_event
from gazette_local.runner import LambdaContext, Runner, _sqs_record


def _sent():
    return get_backend("ses")["123456789012"]["us-east-1"].sent_messages


def _confirmed(aws_stack, address, mode=Mode.INSTANT, domains=("disasters", "science")):
    from gazette.adapters.mail import MailSender
    from gazette.adapters.subscription_store import SubscriptionStore
    from gazette.services.subscribe import subscribe_email

    store = SubscriptionStore(aws_stack.client("dynamodb"), aws_stack.tables["SubscriptionsTable"],
                              token_key=aws_stack.token_key())
    created = subscribe_email(store, MailSender(aws_stack.client("sesv2")), address=address, domains=list(domains),
                              sender="alerts@gazette-alerts.example", base_url="https://alerts.example.org",
                              mode=mode)
    confirm = email.message_from_string(_sent()[-1].raw_data, policy=policy.default)
    link = next(w for w in confirm.get_body(("plain",)).get_content().split() if "/confirm?" in w)
    token = link.split("t=", 1)[1]
    return store.confirm(created.subscription.subscription_id, token, datetime.now(UTC))


def _deliver(documents):
    from gazette.handlers import mailer

    records = []
    for index, doc in enumerate(documents):
        message = {"MessageId": f"m-{index}", "ReceiptHandle": "r", "Body": document_event(doc).model_dump_json()}
        records.append(_sqs_record(message, "arn:aws:sqs:us-east-1:123456789012:q"))
    return mailer.lambda_handler({"Records": records}, LambdaContext("mailer"))


def _doc(doc_id, title, domains):
    return DocumentOut(id=doc_id, title=title, feed_id="f", language="zh-Hans", domains=domains,
                       text_url=f"s3://b/{doc_id}")


def test_daily_subscription_gets_one_digest_grouping_its_documents_by_domain_and_a_rerun_sends_nothing(aws_stack):
    from gazette.handlers import digest

    _confirmed(aws_stack, "daily@example.org", Mode.DAILY)
    before = len(_sent())
    _deliver([_doc("doc_a", "关于印发威海市气象灾害应急预案的通知", ["disasters"]),
              _doc("doc_b", "关于印发科技创新发展三年行动方案的通知", ["science"])])
    assert len(_sent()) == before  # nothing instant for a digest subscription

    period = period_of(Mode.DAILY, datetime.now(UTC))
    first = digest.lambda_handler({"periods": [period]}, LambdaContext("digest"))
    again = digest.lambda_handler({"periods": [period]}, LambdaContext("digest"))

    assert (first["sent"], again["sent"]) == (1, 0)
    assert len(_sent()) == before + 1
    mail = email.message_from_string(_sent()[-1].raw_data, policy=policy.default)
    text = mail.get_body(("plain",)).get_content()
    assert text.index("灾害") < text.index("气象灾害应急预案") < text.index("科技") < text.index("科技创新发展")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_digest_run_with_nothing_pending_sends_nothing(aws_stack):
    from gazette.handlers import digest

    _confirmed(aws_stack, "quiet@example.org", Mode.WEEKLY)
    before = len(_sent())
    result = digest.lambda_handler({"periods": ["W2000-W01"]}, LambdaContext("digest"))
    assert result["sent"] == 0 and len(_sent()) == before


def _ses_event(kind, address, bounce_type="Permanent"):
    body = {"eventType": kind, "mail": {"destination": [address]}}
    if kind == "Bounce":
        body["bounce"] = {"bounceType": bounce_type, "bounceSubType": "General",
                          "bouncedRecipients": [{"emailAddress": address}]}
    else:
        body["complaint"] = {"complainedRecipients": [{"emailAddress": address}]}
    return json.dumps(body)


def _publish_ses_event(aws_stack, message):
    topic = aws_stack.resolver.refs["EmailEventsTopic"]
    aws_stack.client("sns").publish(TopicArn=topic, Message=message)
    Runner(aws_stack).drain()


def test_permanent_bounce_suppresses_the_address_and_it_gets_no_further_ses_call(aws_stack):
    _confirmed(aws_stack, "gone@example.org")
    _publish_ses_event(aws_stack, _ses_event("Bounce", "gone@example.org"))
    before = len(_sent())

    result = _deliver([_doc("doc_c", "关于印发地质灾害防治方案的通知", ["disasters"])])

    assert result["batchItemFailures"] == []
    assert len(_sent()) == before


def test_complaint_suppresses_but_a_transient_bounce_does_not(aws_stack):
    _confirmed(aws_stack, "angry@example.org")
    _confirmed(aws_stack, "full@example.org")
    _publish_ses_event(aws_stack, _ses_event("Complaint", "angry@example.org"))
    _publish_ses_event(aws_stack, _ses_event("Bounce", "full@example.org", bounce_type="Transient"))
    before = len(_sent())

    _deliver([_doc("doc_d", "关于印发地质灾害防治方案的通知", ["disasters"])])

    recipients = [m.destinations for m in _sent()[before:]]
    assert len(recipients) == 1
    assert "full@example.org" in str(recipients[0])
