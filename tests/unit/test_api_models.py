"""The API's request models, error naming, page language and the HTTP-to-event conversion: no AWS."""

from __future__ import annotations

import base64
from types import SimpleNamespace

import pytest
from pydantic import TypeAdapter, ValidationError

from gazette.api.actions import bearer_token
from gazette.api.errors import problems_of
from gazette.api.models import (
    DOMAINS,
    EmailSubscriptionRequest,
    ReplayRequest,
    SubscriptionChange,
    SubscriptionRequest,
)
from gazette.api.web import pick_locale, wants_html


def event(headers=None, query=None):
    return SimpleNamespace(headers=headers or {}, query_string_parameters=query)


def test_subscription_request_with_a_channel_tag_parses_into_its_own_model():
    parsed = TypeAdapter(SubscriptionRequest).validate_python(
        {"channel": "email", "email": "li.ming@example.org", "domains": ["disasters"]})

    assert isinstance(parsed, EmailSubscriptionRequest)
    assert (parsed.mode.value, parsed.locale) == ("instant", "zh")


@pytest.mark.parametrize("address", ["li", "a@b", "a b@example.org", "li@exa mple.org", "x@" + "a" * 300 + ".org",
                                     "li@example.org\r\nBcc: x@example.org"])
def test_email_request_with_a_malformed_address_is_refused(address):
    with pytest.raises(ValidationError):
        EmailSubscriptionRequest.model_validate({"channel": "email", "email": address, "domains": ["science"]})


def test_domains_are_the_taxonomy_domains_and_unknown_ones_are_refused():
    assert set(DOMAINS) == {"bidding", "consumption", "disasters", "science"}
    with pytest.raises(ValidationError):
        EmailSubscriptionRequest.model_validate({"channel": "email", "email": "a@example.org", "domains": ["sports"]})


def test_subscription_change_remembers_which_fields_were_given():
    change = SubscriptionChange.model_validate({"language": None, "mode": "weekly"})

    assert change.model_fields_set == {"language", "mode"}


@pytest.mark.parametrize("since", [0, 1714608000, "1714608000", "yesterday"])
def test_replay_since_takes_only_iso_text_not_epoch_numbers(since):
    with pytest.raises(ValidationError):
        ReplayRequest.model_validate({"since": since})


def test_problems_name_each_field_without_the_union_tag():
    problems = problems_of([
        {"loc": ("body", "email", "domains", 0), "msg": "bad", "type": "literal_error"},
        {"loc": ("body", "email", "email"), "msg": "bad", "type": "string_pattern_mismatch"},
        {"loc": ("query", "limit"), "type": "greater_than_equal"},
        {"loc": ("body",), "type": "json_invalid"},
    ])

    assert [p.field for p in problems] == ["body.domains.0", "body.email", "query.limit", "body"]
    assert problems[3].msg == "body is not valid JSON"


@pytest.mark.parametrize(("accept", "html"), [("text/html,application/xhtml+xml", True), ("application/json", False),
                                              ("*/*", False), ("application/json, text/html", False), ("", False)])
def test_wants_html_only_when_the_client_prefers_html(accept, html):
    assert wants_html(event({"accept": accept})) is html


@pytest.mark.parametrize(("query", "accept_language", "locale"), [
    ({"lang": "en"}, "zh-CN", "en"), ({"lang": "fr"}, "en-US,en", "en"), (None, "zh-CN,zh;q=0.9", "zh"),
    (None, "", "zh"), ({"lang": "zh"}, "en", "zh")])
def test_page_language_is_the_lang_parameter_then_accept_language_then_chinese(query, accept_language, locale):
    assert pick_locale(event({"accept-language": accept_language}, query)) == locale


@pytest.mark.parametrize(("header", "token"), [("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Basic abc", ""),
                                               (None, ""), ("Bearer", "")])
def test_bearer_token_reads_only_a_bearer_authorization(header, token):
    assert bearer_token(header) == token


def test_http_request_becomes_an_http_api_v2_event():
    from gazette_local.serve import http_event

    made = http_event("POST", "/unsubscribe?s=sub_1&t=a%2Bb&x=1&x=2",
                      [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", "a=1; b=2"),
                       ("Accept", "text/html"), ("Accept", "*/*")],
                      b"List-Unsubscribe=One-Click", port=8000)

    assert made["version"] == "2.0" and made["rawPath"] == "/unsubscribe"
    assert made["requestContext"]["http"]["method"] == "POST"
    assert made["queryStringParameters"] == {"s": "sub_1", "t": "a+b", "x": "1,2"}
    assert made["headers"]["accept"] == "text/html,*/*" and made["cookies"] == ["a=1", "b=2"]
    assert made["body"] == "List-Unsubscribe=One-Click" and made["isBase64Encoded"] is False


def test_a_body_that_is_not_utf8_is_passed_base64_encoded():
    from gazette_local.serve import http_event

    made = http_event("POST", "/subscriptions", [], b"\xff\xfe", port=8000)

    assert made["isBase64Encoded"] is True and base64.b64decode(made["body"]) == b"\xff\xfe"


@pytest.mark.parametrize("argv", [["serve", "--port", "70000"], ["serve", "--interval", "0"], ["serve", "--nope"]])
def test_gazette_serve_with_bad_arguments_prints_one_line_and_exits_2(argv, capsys):
    from gazette_local.cli import main

    assert main(argv) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
