"""Subscriptions and mail on moto: double opt-in, single-use tokens, exactly one mail per document."""

import email
import json
import re
from datetime import UTC, datetime, timedelta
from email import policy
from urllib.parse import parse_qs, urlsplit

import pytest
from moto.backends import get_backend

from gazette.domain.subscriptions import State, SubscriptionError
from gazette.messages import DocumentOut
from gazette.services.publish import document_event
from gazette_local.runner import LambdaContext, _sqs_record


def _sent():
    return get_backend("ses")["123456789012"]["us-east-1"].sent_messages


def _services(aws_stack):
    from gazette.adapters.mail import MailSender
    from gazette.adapters.subscription_store import SubscriptionStore

    store = SubscriptionStore(aws_stack.client("dynamodb"), aws_stack.tables["SubscriptionsTable"],
                              token_key=aws_stack.token_key())
    return store, MailSender(aws_stack.client("sesv2"))


def _subscribe(aws_stack, address="reader@example.org", now=None):
    from gazette.services.subscribe import subscribe_email

    store, mailer = _services(aws_stack)
    created = subscribe_email(store, mailer, address=address, domains=["disasters"],
                              sender="alerts@gazette-alerts.example", base_url="https://alerts.example.org",
                              now=now)
    message = email.message_from_string(_sent()[-1].raw_data, policy=policy.default)
    link = re.search(r"https://\S+/confirm\?\S+", message.get_body(("plain",)).get_content()).group(0)
    query = parse_qs(urlsplit(link).query)
    return store, created, query["t"][0]


def test_subscribe_sends_one_confirmation_and_nothing_matches_before_confirming(aws_stack):
    from gazette.domain.subscriptions import Channel

    store, created, _ = _subscribe(aws_stack)
    assert len(_sent()) == 1
    assert store.get(created.subscription.subscription_id).state is State.PENDING
    assert store.by_domain("disasters", Channel.EMAIL) == []


def test_confirm_with_the_mailed_token_confirms_once_and_a_replay_is_refused(aws_stack):
    store, created, token = _subscribe(aws_stack)
    sub_id = created.subscription.subscription_id

    assert store.confirm(sub_id, token, datetime.now(UTC)).state is State.CONFIRMED
    with pytest.raises(SubscriptionError):
        store.confirm(sub_id, token, datetime.now(UTC))


def test_confirm_with_a_wrong_or_expired_token_changes_nothing(aws_stack):
    store, created, token = _subscribe(aws_stack)
    sub_id = created.subscription.subscription_id

    with pytest.raises(SubscriptionError):
        store.confirm(sub_id, "wrong-token", datetime.now(UTC))
    with pytest.raises(SubscriptionError):
        store.confirm(sub_id, token, datetime.now(UTC) + timedelta(hours=49))
    assert store.get(sub_id).state is State.PENDING


def test_confirmation_mails_to_one_address_are_limited_per_day(aws_stack):
    for _ in range(3):
        _subscribe(aws_stack, "target@example.org")
    with pytest.raises(SubscriptionError, match="too many"):
        _subscribe(aws_stack, "target@example.org")


def test_the_same_sqs_message_delivered_twice_gives_one_mail(aws_stack):
    from gazette.handlers import mailer

    store, created, token = _subscribe(aws_stack)
    store.confirm(created.subscription.subscription_id, token, datetime.now(UTC))
    event = document_event(DocumentOut(id="doc_1", title="关于印发威海市气象灾害应急预案的通知", feed_id="f",
                                       language="zh-Hans", domains=["disasters"], text_url="s3://b/k"))
    message = {"MessageId": "m-1", "ReceiptHandle": "r", "Body": event.model_dump_json()}
    lambda_event = {"Records": [_sqs_record(message, "arn:aws:sqs:us-east-1:123456789012:q")]}
    before = len(_sent())

    first = mailer.lambda_handler(lambda_event, LambdaContext("mailer"))
    second = mailer.lambda_handler(lambda_event, LambdaContext("mailer"))

    assert first["batchItemFailures"] == [] and second["batchItemFailures"] == []
    assert len(_sent()) == before + 1


def test_unsubscribe_removes_the_subscription_from_its_domain_index(aws_stack):
    from gazette.domain.subscriptions import Channel

    store, created, token = _subscribe(aws_stack)
    confirmed = store.confirm(created.subscription.subscription_id, token, datetime.now(UTC))
    assert store.by_domain("disasters", Channel.EMAIL)

    assert store.unsubscribe(confirmed.subscription_id, confirmed.unsubscribe_token) is True
    assert store.unsubscribe(confirmed.subscription_id, confirmed.unsubscribe_token) is False
    assert store.by_domain("disasters", Channel.EMAIL) == []
    with pytest.raises(SubscriptionError):
        store.unsubscribe(confirmed.subscription_id, "not-the-token")


def test_document_created_event_is_small_and_versioned():
    event = document_event(DocumentOut(id="doc_1", title="t", feed_id="f", language="zh-Hans", domains=[],
                                       summary="长" * 5000, text_url="s3://b/k"))
    body = json.loads(event.model_dump_json())
    assert body["type"] == "document.created" and body["version"] == "1"
    assert len(event.model_dump_json().encode()) < 20 * 1024


def test_keyword_narrowing_searches_the_full_text_not_only_the_summary(aws_stack):
    from gazette.adapters.blobs import BlobStore
    from gazette.adapters.mail import MailSender
    from gazette.domain.subscriptions import Narrowing
    from gazette.handlers import mailer
    from gazette.services.subscribe import subscribe_email

    store, _ = _services(aws_stack)
    for address, keyword in (("deep@example.org", "地质灾害隐患点"), ("absent@example.org", "台风")):
        created = subscribe_email(store, MailSender(aws_stack.client("sesv2")), address=address,
                                  domains=["disasters"], sender="alerts@gazette-alerts.example",
                                  base_url="https://alerts.example.org", narrowing=Narrowing(keywords=(keyword,)))
        message = email.message_from_string(_sent()[-1].raw_data, policy=policy.default)
        link = re.search(r"https://\S+/confirm\?\S+", message.get_body(("plain",)).get_content()).group(0)
        store.confirm(created.subscription.subscription_id, parse_qs(urlsplit(link).query)["t"][0],
                      datetime.now(UTC))
    blobs = BlobStore(aws_stack.client("s3"), aws_stack.environment()["DOCUMENTS_BUCKET"])
    opening = "为全面做好地质灾害防治工作。"
    text_url = blobs.put_text("documents/doc_deep.txt", opening + "。" * 2000 + "排查地质灾害隐患点。")
    event = document_event(DocumentOut(id="doc_deep", title="关于印发2024年地质灾害防治方案的通知", feed_id="f",
                                       language="zh-Hans", domains=["disasters"], summary=opening,
                                       text_url=text_url))
    before = len(_sent())

    mailer.lambda_handler({"Records": [_sqs_record({"MessageId": "m", "ReceiptHandle": "r",
                                                    "Body": event.model_dump_json()}, "arn:q")]},
                          LambdaContext("mailer"))

    # moto lists each destination twice for raw mail; one mail went to the one address.
    assert [sorted(set(m.destinations)) for m in _sent()[before:]] == [["deep@example.org"]]
