"""Tokens at rest: only keyed hashes in any table after a whole pipeline run, and old rows upgraded.

The pipeline runs as the demo runs it (the demo's feed registry served on loopback, an email and a
webhook subscription made through the API, the real handlers driven by the local runner), then every
item of every table is read and searched for every raw token that left the system: in the API's
answers, in the confirmation and alert mails, in their List-Unsubscribe headers.
"""

from __future__ import annotations

import email
import json
import re
from email import policy
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from moto.backends import get_backend

from gazette.domain.subscriptions import legacy_hash
from gazette_local.runner import LambdaContext, Runner
from gazette_local.serve import http_event
from gazette_local.servers import WebhookReceiver, feed_server

ROOT = Path(__file__).resolve().parents[2]
ALL_DOMAINS = ["bidding", "consumption", "disasters", "science"]


@pytest.fixture
def api(aws_stack):
    from gazette.api.deps import dependencies
    from gazette.handlers import api as handler

    dependencies.cache_clear()
    yield handler
    dependencies.cache_clear()


def call(api, method, path, *, body=None, form=None, query=None):
    target = path + ("?" + urlencode(query) if query else "")
    headers = {"accept": "application/json"}
    data = b""
    if form is not None:
        headers["content-type"] = "application/x-www-form-urlencoded"
        data = urlencode(form).encode()
    elif body is not None:
        headers["content-type"] = "application/json"
        data = json.dumps(body).encode()
    result = api.lambda_handler(http_event(method, target, list(headers.items()), data, port=8000),
                                LambdaContext("api"))
    return result["statusCode"], json.loads(result["body"]) if result.get("body") else None


def mails() -> list[email.message.EmailMessage]:
    sent = get_backend("ses")["123456789012"]["us-east-1"].sent_messages
    return [email.message_from_string(m.raw_data, policy=policy.default) for m in sent]


def link_tokens(message) -> list[dict[str, str]]:
    """Every (s, t) pair of every link in a mail: its text body and its List-Unsubscribe header."""
    text = message.get_body(("plain",)).get_content() + "\n" + str(message.get("List-Unsubscribe", ""))
    found = []
    for url in re.findall(r"https?://[^\s<>]+", text):
        query = parse_qs(urlsplit(url).query)
        if "t" in query:
            found.append({"path": urlsplit(url).path, "s": query["s"][0], "t": query["t"][0]})
    return found


def every_item(aws_stack) -> list[dict]:
    dynamodb = aws_stack.client("dynamodb")
    items = []
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            items.extend({"table": table, **item} for item in page["Items"])
    return items


def test_tokens_after_a_whole_pipeline_run_are_nowhere_in_any_table_and_the_mailed_links_work(aws_stack, api):
    from gazette_local.demo import register_feeds, watch_sources

    receiver = WebhookReceiver()
    with feed_server(ROOT / "events" / "feeds", earlier="earlier") as feeds_http, receiver.server() as hooks_http:
        register_feeds(aws_stack, ROOT / "events" / "feeds" / "registry.json", feeds_http.base_url)
        status, mailed = call(api, "POST", "/subscriptions",
                              body={"channel": "email", "email": "li.ming@example.org", "domains": ALL_DOMAINS})
        assert status == 202
        confirm = next(link for link in link_tokens(mails()[-1]) if link["path"] == "/confirm")
        assert call(api, "POST", "/confirm", form={"s": confirm["s"], "t": confirm["t"]})[0] == 200
        status, hooked = call(api, "POST", "/subscriptions",
                              body={"channel": "webhook", "url": f"{hooks_http.base_url}/hook/0",
                                    "domains": ALL_DOMAINS})
        assert status == 201
        receiver.secrets["/hook/0"] = hooked["webhook_secret"]

        watch_sources(aws_stack, Runner(aws_stack), feeds_http)  # a baseline, then the site publishes

    sent = mails()
    alert_links = [link for message in sent[1:] for link in link_tokens(message)]
    raw_tokens = {mailed["manage_token"], hooked["manage_token"], confirm["t"]}
    raw_tokens |= {link["t"] for link in alert_links}
    assert len(sent) == 2 and len(receiver.received) == 7  # six of the documents, one list item
    assert {link["path"] for link in alert_links} == {"/unsubscribe"}
    assert len(raw_tokens) == 4  # two manage tokens, one confirmation token, one unsubscribe token

    items = every_item(aws_stack)
    leaks = [(item["table"], item["pk"], token) for item in items for token in raw_tokens
             if token in json.dumps(item, ensure_ascii=False)]
    unkeyed = [(item["table"], item["pk"]) for item in items for token in raw_tokens
               if legacy_hash(token) in json.dumps(item)]
    assert leaks == [] and unkeyed == []
    assert len(items) > 20  # documents, entries, claims, subscriptions and delivery log were all read

    unsubscribe = alert_links[0]
    status, answer = call(api, "POST", "/unsubscribe", query={"s": unsubscribe["s"], "t": unsubscribe["t"]},
                          form={"List-Unsubscribe": "One-Click"})
    assert (status, answer) == (200, {"subscription_id": mailed["subscription"]["id"], "state": "unsubscribed",
                                      "changed": True})


# ---------------------------------------------------------------------------- migration
def _legacy_rows(aws_stack, sub_id: str, *, manage: str, unsubscribe: str) -> None:
    """A subscription as rows were written before keyed hashing: unkeyed digests, raw unsubscribe token."""
    dynamodb = aws_stack.client("dynamodb")
    table = aws_stack.tables["SubscriptionsTable"]
    fields = {"channel": {"S": "email"}, "target": {"S": "li.ming@example.org"},
              "domains": {"S": '["disasters"]'}, "mode": {"S": "instant"}, "locale": {"S": "zh"},
              "narrowing": {"S": "{}"}, "state": {"S": "confirmed"}, "unsubscribe_token": {"S": unsubscribe}}
    dynamodb.put_item(TableName=table, Item={"pk": {"S": f"SUB#{sub_id}"}, "sk": {"S": "META"}, **fields,
                                             "manage_token_hash": {"S": legacy_hash(manage)}})
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "DOMAIN#disasters"}, "sk": {"S": f"SUB#{sub_id}"},
                                             **fields})


def _store(aws_stack):
    from gazette.adapters.subscription_store import SubscriptionStore

    return SubscriptionStore(aws_stack.client("dynamodb"), aws_stack.tables["SubscriptionsTable"],
                             token_key=aws_stack.token_key())


def _rows(aws_stack) -> list[dict]:
    return [item for item in every_item(aws_stack) if item["table"].endswith("SubscriptionsTable")]


def test_migrate_tokens_upgrades_legacy_rows_once_and_old_links_keep_working(aws_stack):
    from gazette.domain.subscriptions import hash_token

    store = _store(aws_stack)
    key = aws_stack.token_key()
    sub_id = "sub_0123456789abcdef01234567"
    _legacy_rows(aws_stack, sub_id, manage="old-manage-token", unsubscribe="old-unsubscribe-token")

    first = store.migrate_tokens()
    rows_after_first = _rows(aws_stack)
    second = store.migrate_tokens()

    assert first == {"subscriptions": 1, "domain_rows": 1}
    assert second == {"subscriptions": 0, "domain_rows": 0}
    assert _rows(aws_stack) == rows_after_first
    table = aws_stack.tables["SubscriptionsTable"]
    common = {"table": table, "channel": {"S": "email"}, "target": {"S": "li.ming@example.org"},
              "domains": {"S": '["disasters"]'}, "mode": {"S": "instant"}, "locale": {"S": "zh"},
              "narrowing": {"S": "{}"}, "state": {"S": "confirmed"}}
    assert sorted(rows_after_first, key=lambda r: r["pk"]["S"]) == [
        {**common, "pk": {"S": "DOMAIN#disasters"}, "sk": {"S": f"SUB#{sub_id}"}},
        {**common, "pk": {"S": f"SUB#{sub_id}"}, "sk": {"S": "META"},
         "manage_token_hash": {"S": hash_token(key, "old-manage-token")},
         "unsubscribe_token_hash": {"S": hash_token(key, "old-unsubscribe-token")},
         "token_hashing": {"S": "hmac-sha256"}},
    ]
    assert store.verify_manage_token(sub_id, "old-manage-token").subscription_id == sub_id
    assert store.verify_manage_token(sub_id, "old-manage-tokeN") is None
    assert store.unsubscribe(sub_id, "old-unsubscribe-token") is True


def test_migrated_subscription_also_accepts_its_derived_unsubscribe_token_and_refuses_a_guess(aws_stack):
    from gazette.domain.subscriptions import SubscriptionError

    store = _store(aws_stack)
    sub_id = "sub_0123456789abcdef01234568"
    _legacy_rows(aws_stack, sub_id, manage="old-manage-token", unsubscribe="old-unsubscribe-token")
    store.migrate_tokens()

    with pytest.raises(SubscriptionError):
        store.unsubscribe(sub_id, "old-unsubscribe-tokeN")
    assert store.unsubscribe(sub_id, store.unsubscribe_token(sub_id)) is True


def test_cli_tokens_migrate_upgrades_the_stacks_table_and_a_rerun_upgrades_nothing(aws_stack, capsys):
    from gazette_local.cli import main

    _legacy_rows(aws_stack, "sub_0123456789abcdef01234569", manage="old-manage-token",
                 unsubscribe="old-unsubscribe-token")
    table = aws_stack.tables["SubscriptionsTable"]

    assert main(["tokens", "migrate"]) == 0
    assert main(["tokens", "migrate"]) == 0

    assert capsys.readouterr().out == (f"1 subscriptions and 1 index rows upgraded in {table}\n"
                                       f"0 subscriptions and 0 index rows upgraded in {table}\n")
