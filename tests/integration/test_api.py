"""The HTTP API and pages through the Lambda handler, on moto: every route and every error.

Requests are built as API Gateway HTTP API (payload 2.0) events by the same code `gazette serve`
uses, and handed to `gazette.handlers.api.lambda_handler`.
"""

from __future__ import annotations

import email
import json
import re
from datetime import date, timedelta
from email import policy
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from moto.backends import get_backend

from gazette_local.runner import LambdaContext
from gazette_local.serve import http_event

ADDRESS = "li.ming@example.org"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def api(aws_stack):
    from gazette.api.deps import dependencies
    from gazette.handlers import api as handler

    dependencies.cache_clear()
    yield handler
    dependencies.cache_clear()


def call(api, method, path, *, body=None, form=None, headers=None, query=None):
    target = path + ("?" + urlencode(query, doseq=True) if query else "")
    sent = {"accept": "application/json", **(headers or {})}
    data = b""
    if form is not None:
        sent.setdefault("content-type", FORM)
        data = urlencode(form, doseq=True).encode()
    elif body is not None:
        sent.setdefault("content-type", "application/json")
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    event = http_event(method, target, list(sent.items()), data, port=8000)
    result = api.lambda_handler(event, LambdaContext("api"))
    result["json"] = None
    if "json" in (result.get("headers") or {}).get("Content-Type", ""):
        result["json"] = json.loads(result["body"])
    return result


def page(api, method, path, **kwargs):
    headers = {"accept": "text/html,application/xhtml+xml", **kwargs.pop("headers", {})}
    return call(api, method, path, headers=headers, **kwargs)


def sent_mail():
    return get_backend("ses")["123456789012"]["us-east-1"].sent_messages


def mail_link(kind: str) -> dict[str, str]:
    message = email.message_from_string(sent_mail()[-1].raw_data, policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    link = re.search(rf"https?://\S+/{kind}\?\S+", text) or re.search(
        r"<(https?://\S+/unsubscribe\?[^>]+)>", str(message["List-Unsubscribe"]))
    query = parse_qs(urlsplit(link.group(1) if link.re.groups else link.group(0)).query)
    return {"s": query["s"][0], "t": query["t"][0]}


def subscribe(api, address=ADDRESS, domains=("disasters",)):
    response = call(api, "POST", "/subscriptions",
                    body={"channel": "email", "email": address, "domains": list(domains)})
    assert response["statusCode"] == 202, response["body"]
    return response["json"]


def confirmed_subscription(api):
    created = subscribe(api)
    link = mail_link("confirm")
    assert call(api, "POST", "/confirm", form=link)["statusCode"] == 200
    return created


def bearer(token):
    return {"authorization": f"Bearer {token}"}


def domain_rows(aws_stack, domain):
    from gazette.adapters.subscription_store import SubscriptionStore
    from gazette.domain.subscriptions import Channel

    store = SubscriptionStore(aws_stack.client("dynamodb"), aws_stack.tables["SubscriptionsTable"],
                              token_key=aws_stack.token_key())
    return [s.subscription_id for s in store.by_domain(domain, Channel.EMAIL)]


# ------------------------------------------------------------------------------ subscribe
def test_post_subscriptions_with_an_email_sends_one_confirmation_and_answers_202_with_a_manage_token(api):
    created = subscribe(api)

    assert created["subscription"]["state"] == "pending"
    assert created["manage_token"] and created["webhook_secret"] is None
    assert created["manage_url"].endswith(f"/subscriptions/{created['subscription']['id']}")
    assert len(sent_mail()) == 1


def test_post_subscriptions_with_a_webhook_answers_201_with_its_secret_and_is_active(api):
    response = call(api, "POST", "/subscriptions", body={
        "channel": "webhook", "url": "http://127.0.0.1:9/gazette", "domains": ["science", "science"],
        "keywords": ["创新"]})

    assert response["statusCode"] == 201
    assert response["json"]["webhook_secret"].startswith("whsec_")
    assert response["json"]["subscription"]["state"] == "confirmed"
    assert response["json"]["subscription"]["domains"] == ["science"]
    assert sent_mail() == []


def test_post_subscriptions_with_bad_fields_answers_422_naming_each_field(api):
    response = call(api, "POST", "/subscriptions", body={
        "channel": "email", "email": "not-an-address", "domains": ["weather"], "mode": "hourly", "colour": "red"})

    assert response["statusCode"] == 422
    fields = {problem["field"] for problem in response["json"]["detail"]}
    assert {"body.email", "body.domains.0", "body.mode", "body.colour"} <= fields
    assert all(problem["msg"] for problem in response["json"]["detail"])


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"text"', "{}", '{"channel": "fax"}', ""])
def test_post_subscriptions_with_a_malformed_body_answers_422_never_500(api, body):
    response = call(api, "POST", "/subscriptions", body=body)

    assert response["statusCode"] == 422
    assert response["json"]["error"] == "invalid_request" and response["json"]["detail"]


def test_post_subscriptions_with_an_unsupported_content_type_answers_415(api):
    response = call(api, "POST", "/subscriptions", body="x", headers={"content-type": "text/csv"})

    assert response["statusCode"] == 415


def test_post_subscriptions_beyond_the_daily_confirmation_limit_answers_429(api):
    for _ in range(3):
        subscribe(api)

    response = call(api, "POST", "/subscriptions",
                    body={"channel": "email", "email": ADDRESS, "domains": ["science"]})

    assert response["statusCode"] == 429
    assert ADDRESS not in response["body"]


@pytest.mark.parametrize("url", ["https://10.0.0.8/hook", "https://169.254.169.254/latest", "ftp://example.org/x"])
def test_post_subscriptions_with_a_webhook_to_a_private_or_non_http_address_answers_422(api, url):
    response = call(api, "POST", "/subscriptions", body={"channel": "webhook", "url": url, "domains": ["science"]})

    assert response["statusCode"] == 422
    assert [p["field"] for p in response["json"]["detail"]] == ["body.url"]


# ------------------------------------------------------------------------------ confirm
def test_confirm_get_shows_a_page_and_confirms_nothing_then_post_confirms_once(api, aws_stack):
    subscribe(api)
    link = mail_link("confirm")

    shown = page(api, "GET", "/confirm", query=link)
    assert shown["statusCode"] == 200 and 'method="post"' in shown["body"]
    assert domain_rows(aws_stack, "disasters") == []

    done = call(api, "POST", "/confirm", form=link)
    assert done["statusCode"] == 200 and done["json"]["state"] == "confirmed"
    assert domain_rows(aws_stack, "disasters") == [link["s"]]

    again = call(api, "POST", "/confirm", form=link)
    assert again["statusCode"] == 404


def test_confirm_with_a_wrong_token_or_an_unknown_id_gives_the_same_404(api):
    subscribe(api)
    link = mail_link("confirm")

    wrong_token = call(api, "POST", "/confirm", form={"s": link["s"], "t": "wrong"})
    unknown_id = call(api, "POST", "/confirm", form={"s": "sub_000000000000000000000000", "t": link["t"]})

    assert wrong_token["statusCode"] == unknown_id["statusCode"] == 404
    assert wrong_token["body"] == unknown_id["body"]
    assert ADDRESS not in wrong_token["body"]


def test_confirm_in_a_browser_answers_a_page(api):
    subscribe(api)

    response = page(api, "POST", "/confirm", form=mail_link("confirm"))

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("text/html")
    assert "订阅已确认" in response["body"]


# ------------------------------------------------------------------------------ unsubscribe
def test_unsubscribe_get_shows_a_page_and_changes_nothing(api, aws_stack):
    confirmed_subscription(api)
    link = mail_link("unsubscribe")

    response = page(api, "GET", "/unsubscribe", query=link)

    assert response["statusCode"] == 200 and "List-Unsubscribe" in response["body"]
    assert domain_rows(aws_stack, "disasters") == [link["s"]]


def test_one_click_unsubscribe_post_ends_the_subscription_and_a_repeat_is_harmless(api, aws_stack):
    confirmed_subscription(api)
    link = mail_link("unsubscribe")

    first = call(api, "POST", "/unsubscribe", query=link, form={"List-Unsubscribe": "One-Click"},
                 headers={"accept": "*/*"})
    second = call(api, "POST", "/unsubscribe", query=link, form={"List-Unsubscribe": "One-Click"})

    assert first["statusCode"] == 200 and first["json"] == {
        "subscription_id": link["s"], "state": "unsubscribed", "changed": True}
    assert second["statusCode"] == 200 and second["json"]["changed"] is False
    assert domain_rows(aws_stack, "disasters") == []


def test_unsubscribe_with_a_wrong_token_answers_404_and_changes_nothing(api, aws_stack):
    confirmed_subscription(api)
    link = mail_link("unsubscribe")

    response = call(api, "POST", "/unsubscribe", query={"s": link["s"], "t": "guess"},
                    form={"List-Unsubscribe": "One-Click"})

    assert response["statusCode"] == 404
    assert domain_rows(aws_stack, "disasters") == [link["s"]]


def test_unsubscribe_page_without_its_link_parameters_answers_404_page(api):
    response = page(api, "GET", "/unsubscribe")

    assert response["statusCode"] == 404 and "<html" in response["body"]


# ------------------------------------------------------------------------------ manage
def test_view_with_the_manage_token_shows_the_subscription(api):
    created = subscribe(api)
    sub_id = created["subscription"]["id"]

    response = call(api, "GET", f"/subscriptions/{sub_id}", headers=bearer(created["manage_token"]))

    assert response["statusCode"] == 200
    assert response["json"]["target"] == ADDRESS and response["json"]["domains"] == ["disasters"]


def test_view_with_a_wrong_token_no_token_or_an_unknown_id_gives_one_identical_404(api):
    created = subscribe(api)
    sub_id = created["subscription"]["id"]

    answers = [
        call(api, "GET", f"/subscriptions/{sub_id}", headers=bearer("wrong")),
        call(api, "GET", f"/subscriptions/{sub_id}"),
        call(api, "GET", "/subscriptions/sub_0123456789abcdef01234567", headers=bearer(created["manage_token"])),
    ]

    assert {a["statusCode"] for a in answers} == {404}
    assert len({a["body"] for a in answers}) == 1
    assert ADDRESS not in answers[0]["body"]


def test_patch_of_a_confirmed_subscription_rewrites_its_domain_index_rows(api, aws_stack):
    created = confirmed_subscription(api)
    sub_id = created["subscription"]["id"]

    response = call(api, "PATCH", f"/subscriptions/{sub_id}", headers=bearer(created["manage_token"]),
                    body={"domains": ["science", "bidding"], "keywords": ["招标"], "mode": "daily", "locale": "en"})

    assert response["statusCode"] == 200
    changed = response["json"]
    assert (changed["domains"], changed["keywords"], changed["mode"], changed["locale"]) == (
        ["science", "bidding"], ["招标"], "daily", "en")
    assert domain_rows(aws_stack, "disasters") == []
    assert domain_rows(aws_stack, "science") == domain_rows(aws_stack, "bidding") == [sub_id]


def test_patch_with_bad_fields_answers_422_and_with_a_wrong_token_404(api):
    created = subscribe(api)
    sub_id = created["subscription"]["id"]

    invalid = call(api, "PATCH", f"/subscriptions/{sub_id}", headers=bearer(created["manage_token"]),
                   body={"domains": [], "mode": "never"})
    forbidden = call(api, "PATCH", f"/subscriptions/{sub_id}", headers=bearer("wrong"), body={"mode": "daily"})

    assert invalid["statusCode"] == 422
    assert {p["field"] for p in invalid["json"]["detail"]} == {"body.domains", "body.mode"}
    assert forbidden["statusCode"] == 404


def test_delete_removes_the_subscription_and_its_links_stop_working(api, aws_stack):
    created = confirmed_subscription(api)
    sub_id = created["subscription"]["id"]
    unsubscribe_link = mail_link("unsubscribe")

    deleted = call(api, "DELETE", f"/subscriptions/{sub_id}", headers=bearer(created["manage_token"]))

    assert deleted["statusCode"] == 204
    assert domain_rows(aws_stack, "disasters") == []
    assert call(api, "GET", f"/subscriptions/{sub_id}", headers=bearer(created["manage_token"]))["statusCode"] == 404
    assert call(api, "POST", "/unsubscribe", query=unsubscribe_link, form={})["statusCode"] == 404


def test_a_malformed_subscription_id_answers_422_naming_the_path_parameter(api):
    response = call(api, "GET", "/subscriptions/nope", headers=bearer("x"))

    assert response["statusCode"] == 422
    assert [p["field"] for p in response["json"]["detail"]] == ["path.subscription_id"]


# ------------------------------------------------------------------------------ webhooks
def _webhook(api):
    response = call(api, "POST", "/subscriptions",
                    body={"channel": "webhook", "url": "http://127.0.0.1:9/in", "domains": ["science"]})
    return response["json"]


def test_webhook_routes_refuse_an_email_subscription_with_409(api):
    created = subscribe(api)
    sub_id = created["subscription"]["id"]

    for method, path, body in (("POST", "secret", None), ("POST", "ping", None), ("GET", "deliveries", None),
                               ("POST", "deliveries/replay", {"since": "2024-01-01T00:00:00Z"})):
        response = call(api, method, f"/subscriptions/{sub_id}/{path}", headers=bearer(created["manage_token"]),
                        body=body)
        assert response["statusCode"] == 409, path


def test_webhook_routes_with_a_wrong_token_answer_404(api):
    created = _webhook(api)
    sub_id = created["subscription"]["id"]

    for method, path in (("POST", "secret"), ("POST", "ping"), ("GET", "deliveries")):
        assert call(api, method, f"/subscriptions/{sub_id}/{path}", headers=bearer("no"))["statusCode"] == 404


def test_replay_needs_exactly_one_of_delivery_id_and_since(api):
    created = _webhook(api)
    sub_id = created["subscription"]["id"]

    response = call(api, "POST", f"/subscriptions/{sub_id}/deliveries/replay",
                    headers=bearer(created["manage_token"]), body={})

    assert response["statusCode"] == 422
    assert response["json"]["detail"][0]["field"] == "body.delivery_id"


def test_rotate_secret_returns_a_new_secret_and_ping_queues_a_delivery(api):
    created = _webhook(api)
    sub_id = created["subscription"]["id"]

    rotated = call(api, "POST", f"/subscriptions/{sub_id}/secret", headers=bearer(created["manage_token"]))
    pinged = call(api, "POST", f"/subscriptions/{sub_id}/ping", headers=bearer(created["manage_token"]))
    listed = call(api, "GET", f"/subscriptions/{sub_id}/deliveries", headers=bearer(created["manage_token"]))

    assert rotated["statusCode"] == 200
    assert rotated["json"]["webhook_secret"].startswith("whsec_")
    assert rotated["json"]["webhook_secret"] != created["webhook_secret"]
    assert pinged["statusCode"] == 202 and pinged["json"]["delivery_id"]
    assert listed["statusCode"] == 200 and isinstance(listed["json"]["items"], list)


# ------------------------------------------------------------------------------ documents
def _store_documents(aws_stack, count=5):
    from gazette.adapters.blobs import BlobStore
    from gazette.adapters.dynamo import DocumentIndex, DocumentStore, n, s

    dynamodb = aws_stack.client("dynamodb")
    blobs = BlobStore(aws_stack.client("s3"), aws_stack.resolver.refs["DocumentsBucket"])
    items = []
    for i in range(count):
        doc_id = f"doc_{i:032x}"
        domains = ["disasters"] if i % 2 == 0 else ["science"]
        items.append({
            "doc_id": s(doc_id), "feed_id": s("wendeng-gazette"), "entry_id": s(f"e{i}"),
            "title": s(f"关于印发第{i}号应急预案的通知"), "language": s("zh-Hans"),
            "domains": {"L": [s(d) for d in domains]}, "domain_count": n(1),
            "scores": s(json.dumps({domains[0]: 3.5})),
            "evidence": s(json.dumps({domains[0]: [{"term": "应急预案", "where": "title", "count": 2}]},
                                     ensure_ascii=False)),
            "summary": s("摘要"), "text_url": s(blobs.put_text(f"documents/{doc_id}.txt", f"全文 {i}")),
            "created_at": s("2024-06-01T00:00:00+00:00"),
            "published": s((date(2024, 5, 10) + timedelta(days=i)).isoformat()),
            "issuer": s("威海市人民政府办公室"), "doc_number": s(f"威政办字〔2024〕{i}号"),
            "url": s(f"https://www.example.gov.cn/{i}.html"),
        })
    DocumentStore(dynamodb, aws_stack.tables["DocumentsTable"]).put_new(items)
    DocumentIndex(dynamodb, aws_stack.tables["DocumentIndexTable"], aws_stack.tables["DocumentsTable"]).add(items)
    return [item["doc_id"]["S"] for item in items]


def test_documents_by_domain_page_newest_first_with_opaque_cursors(api, aws_stack):
    ids = _store_documents(aws_stack)

    first = call(api, "GET", "/documents", query={"domain": "disasters", "limit": 2})
    second = call(api, "GET", "/documents", query={"domain": "disasters", "limit": 2,
                                                   "cursor": first["json"]["next_cursor"]})

    listed = [d["id"] for d in first["json"]["items"] + second["json"]["items"]]
    assert listed == [ids[4], ids[2], ids[0]]
    assert second["json"]["next_cursor"] is None  # the listing ends here


def test_documents_filter_by_date_range_issuer_feed_and_title_text(api, aws_stack):
    ids = _store_documents(aws_stack)

    dated = call(api, "GET", "/documents", query={"since": "2024-05-11", "until": "2024-05-12"})
    by_issuer = call(api, "GET", "/documents", query={"issuer": "威海市人民政府办公室", "q": "第3号"})
    by_feed = call(api, "GET", "/documents", query={"feed": "wendeng-gazette", "domain": "science"})

    assert [d["id"] for d in dated["json"]["items"]] == [ids[2], ids[1]]
    assert [d["id"] for d in by_issuer["json"]["items"]] == [ids[3]]
    assert [d["id"] for d in by_feed["json"]["items"]] == [ids[3], ids[1]]


@pytest.mark.parametrize("query", [{"cursor": "garbage!"}, {"cursor": "bm90LWpzb24"}, {"since": "2024-13-01"},
                                   {"since": "2024-05-10", "until": "2024-05-01"}, {"limit": 0}, {"limit": 101},
                                   {"domain": "weather"}])
def test_documents_with_bad_query_parameters_answer_422(api, aws_stack, query):
    response = call(api, "GET", "/documents", query=query)

    assert response["statusCode"] == 422
    assert response["json"]["detail"][0]["field"].startswith("query.")


def test_documents_cursor_from_another_listing_answers_422(api, aws_stack):
    _store_documents(aws_stack)
    cursor = call(api, "GET", "/documents", query={"domain": "disasters", "limit": 1})["json"]["next_cursor"]

    response = call(api, "GET", "/documents", query={"domain": "science", "cursor": cursor})

    assert response["statusCode"] == 422
    assert response["json"]["detail"][0]["field"] == "query.cursor"


def test_document_detail_has_its_evidence_and_a_link_to_the_full_text(api, aws_stack):
    ids = _store_documents(aws_stack)

    detail = call(api, "GET", f"/documents/{ids[0]}")
    text = call(api, "GET", detail["json"]["text_url"])

    assert detail["statusCode"] == 200
    assert detail["json"]["evidence"] == {"disasters": [{"term": "应急预案", "where": "title", "count": 2}]}
    assert detail["json"]["source_url"] == "https://www.example.gov.cn/0.html"
    assert text["statusCode"] == 200 and text["body"] == "全文 0"


def test_unknown_or_malformed_document_ids_answer_404_or_422(api, aws_stack):
    assert call(api, "GET", f"/documents/doc_{'f' * 32}")["statusCode"] == 404
    assert call(api, "GET", f"/documents/doc_{'f' * 32}/text")["statusCode"] == 404
    assert call(api, "GET", "/documents/../../etc")["statusCode"] in {404, 422}


# ------------------------------------------------------------------------------ feeds, OpenAPI, errors
def test_feeds_list_each_feed_with_its_health(api, aws_stack):
    from gazette.adapters.dynamo import FeedStore

    store = FeedStore(aws_stack.client("dynamodb"), aws_stack.tables["FeedsTable"])
    store.put_feed({"feed_id": "wendeng-gazette", "url": "https://example.gov.cn/feed.xml", "name": "文登公报"})

    response = call(api, "GET", "/feeds")

    assert response["statusCode"] == 200
    [feed] = response["json"]["items"]
    assert (feed["id"], feed["healthy"], feed["consecutive_failures"], feed["last_success_at"]) == (
        "wendeng-gazette", True, 0, None)


def test_openapi_document_describes_every_api_route_and_swagger_ui_is_served(api):
    document = call(api, "GET", "/openapi.json")["json"]
    docs = call(api, "GET", "/docs")

    assert set(document["paths"]) >= {
        "/subscriptions", "/subscriptions/{subscription_id}", "/confirm", "/unsubscribe",
        "/subscriptions/{subscription_id}/secret", "/subscriptions/{subscription_id}/ping",
        "/subscriptions/{subscription_id}/deliveries", "/subscriptions/{subscription_id}/deliveries/replay",
        "/documents", "/documents/{doc_id}", "/documents/{doc_id}/text", "/feeds"}
    assert "SubscriptionCreated" in document["components"]["schemas"]
    assert docs["statusCode"] == 200 and "swagger" in docs["body"].lower()


def test_an_unknown_route_answers_404_json(api):
    response = call(api, "GET", "/admin")

    assert response["statusCode"] == 404 and response["json"]["error"] == "not_found"


def test_a_store_outage_answers_503_not_500(api, monkeypatch):
    from gazette.adapters.dynamo import FeedStore
    from gazette.adapters.errors import StoreError

    def fail(self):
        raise StoreError("listing feeds failed")

    monkeypatch.setattr(FeedStore, "list_feeds", fail)

    assert call(api, "GET", "/feeds")["statusCode"] == 503


def test_a_bug_of_ours_answers_500_without_details(api, monkeypatch):
    from gazette.adapters.dynamo import FeedStore

    def broken(self):
        raise KeyError("secret internals")

    monkeypatch.setattr(FeedStore, "list_feeds", broken)
    response = call(api, "GET", "/feeds")

    assert response["statusCode"] == 500 and "secret" not in response["body"]


# ------------------------------------------------------------------------------ pages
@pytest.mark.parametrize(("lang", "html_lang", "words"), [("zh", "zh-CN", "订阅政府公报提醒"),
                                                          ("en", "en", "Subscribe to gazette alerts")])
def test_subscribe_page_renders_in_chinese_and_english_with_labelled_fields(api, lang, html_lang, words):
    response = page(api, "GET", "/", query={"lang": lang})

    assert response["statusCode"] == 200
    assert f'<html lang="{html_lang}">' in response["body"] and words in response["body"]
    assert '<label for="field-email">' in response["body"] and "<legend>" in response["body"]
    assert "<script" not in response["body"]
    assert response["headers"]["Content-Security-Policy"].startswith("default-src 'none'")


def test_subscribe_page_language_follows_accept_language(api):
    response = page(api, "GET", "/", headers={"accept-language": "en-GB,en;q=0.8"})

    assert '<html lang="en">' in response["body"]


def test_subscribe_form_with_errors_is_shown_again_naming_each_bad_field(api):
    response = page(api, "POST", "/subscribe", form={"email": "nope", "lang": "en"})

    assert response["statusCode"] == 422
    assert 'href="#field-email"' in response["body"] and 'href="#field-domains"' in response["body"]
    assert 'aria-invalid="true"' in response["body"]
    assert sent_mail() == []


def test_subscribe_form_sends_the_confirmation_and_its_manage_link_saves_preferences(api, aws_stack):
    subscribed = page(api, "POST", "/subscribe", form={"email": ADDRESS, "domains": ["disasters", "science"],
                                                       "mode": "weekly", "locale": "en", "lang": "en"})
    assert subscribed["statusCode"] == 202 and len(sent_mail()) == 1
    manage = re.search(r'id="manage-link" href="([^"]+)"', subscribed["body"]).group(1).replace("&amp;", "&")
    parts = urlsplit(manage)
    token = parse_qs(parts.query)["t"][0]

    shown = page(api, "GET", parts.path, query={"t": token, "lang": "en"})
    saved = page(api, "POST", f"{parts.path}/preferences", form={"t": token, "domains": ["bidding"],
                                                                  "mode": "daily", "locale": "zh"})
    refused = page(api, "GET", parts.path, query={"t": "wrong"})

    assert shown["statusCode"] == 200 and 'value="science" checked' in shown["body"]
    assert saved["statusCode"] == 200 and 'value="bidding" checked' in saved["body"]
    assert 'value="daily" checked' in saved["body"]
    assert refused["statusCode"] == 404 and ADDRESS not in refused["body"]


def test_manage_page_without_a_token_asks_for_the_management_key(api):
    created = subscribe(api)

    response = page(api, "GET", f"/subscriptions/{created['subscription']['id']}")

    assert response["statusCode"] == 200 and 'id="field-t"' in response["body"]
    assert ADDRESS not in response["body"]


def test_delete_form_removes_the_subscription(api):
    created = subscribe(api)
    sub_id = created["subscription"]["id"]

    response = page(api, "POST", f"/subscriptions/{sub_id}/delete", form={"t": created["manage_token"]})

    assert response["statusCode"] == 200
    assert call(api, "GET", f"/subscriptions/{sub_id}", headers=bearer(created["manage_token"]))["statusCode"] == 404


def _titles(body):
    return re.findall(r'<h3><a href="/documents/doc_[0-9a-f]{32}\?lang=\w+">([^<]+)</a></h3>', body)


def _next_link(body):
    found = re.search(r'<a href="([^"]+)" rel="next">', body)
    return found.group(1).replace("&amp;", "&") if found else None


def test_browse_page_lists_documents_newest_first_linking_each_to_its_page(api, aws_stack):
    _store_documents(aws_stack)

    response = page(api, "GET", "/browse", query={"lang": "en"})

    assert response["statusCode"] == 200
    assert _titles(response["body"]) == [f"关于印发第{i}号应急预案的通知" for i in (4, 3, 2, 1, 0)]
    assert f'<a href="/documents/doc_{4:032x}?lang=en">' in response["body"]
    assert _next_link(response["body"]) is None


def test_browse_page_filters_by_domain_issuer_dates_and_title_text(api, aws_stack):
    _store_documents(aws_stack)

    by_domain = page(api, "GET", "/browse", query={"lang": "zh", "domain": "disasters", "issuer": "", "q": ""})
    narrowed = page(api, "GET", "/browse", query={
        "domain": "", "issuer": "威海市人民政府办公室", "feed": "wendeng-gazette", "since": "2024-05-11",
        "until": "2024-05-13", "q": "号应急"})
    by_title = page(api, "GET", "/browse", query={"q": "第1号"})

    assert _titles(by_domain["body"]) == ["关于印发第4号应急预案的通知", "关于印发第2号应急预案的通知",
                                          "关于印发第0号应急预案的通知"]
    assert _titles(narrowed["body"]) == ["关于印发第3号应急预案的通知", "关于印发第2号应急预案的通知",
                                         "关于印发第1号应急预案的通知"]
    assert _titles(by_title["body"]) == ["关于印发第1号应急预案的通知"]
    assert '<option value="disasters" selected>' in by_domain["body"]


def test_browse_page_pages_through_a_listing_with_linkable_urls_that_keep_the_filters(api, aws_stack):
    from gazette.api import pages

    _store_documents(aws_stack, count=45)
    pages.BROWSE_PAGE, saved = 20, pages.BROWSE_PAGE
    seen, link, links = [], "/browse?domain=science&lang=en", []
    while link:
        links.append(link)
        path, _, query = link.partition("?")
        body = page(api, "GET", path, query={k: v[0] for k, v in parse_qs(query).items()})["body"]
        seen.extend(_titles(body))
        link = _next_link(body)
    pages.BROWSE_PAGE = saved

    assert seen == [f"关于印发第{i}号应急预案的通知" for i in range(43, 0, -2)]
    assert len(links) == 2 and links[1].startswith("/browse?domain=science&cursor=") and links[1].endswith("&lang=en")
    again = page(api, "GET", "/browse", query={k: v[0] for k, v in parse_qs(links[1].partition("?")[2]).items()})
    assert _titles(again["body"]) == [f"关于印发第{i}号应急预案的通知" for i in (3, 1)]


def test_browse_page_with_a_bad_date_answers_422_naming_the_field_beside_the_form(api, aws_stack):
    response = page(api, "GET", "/browse", query={"since": "2024-13-01", "lang": "en"})

    assert response["statusCode"] == 422
    assert '<li><a href="#f-since">Enter a date as YYYY-MM-DD.</a></li>' in response["body"]
    assert 'id="f-since" name="since" value="2024-13-01" aria-invalid="true"' in response["body"]


def test_documents_api_fills_a_page_through_the_title_filter_and_pages_on_from_the_last_row(api, aws_stack):
    ids = _store_documents(aws_stack, count=9)

    first = call(api, "GET", "/documents", query={"q": "号应急", "limit": 4})
    second = call(api, "GET", "/documents", query={"q": "号应急", "limit": 4, "cursor": first["json"]["next_cursor"]})
    third = call(api, "GET", "/documents", query={"q": "号应急", "limit": 4, "cursor": second["json"]["next_cursor"]})
    rare = call(api, "GET", "/documents", query={"q": "第0号", "limit": 2})

    assert [d["id"] for d in first["json"]["items"]] == [ids[8], ids[7], ids[6], ids[5]]
    assert [d["id"] for d in second["json"]["items"]] == [ids[4], ids[3], ids[2], ids[1]]
    assert [d["id"] for d in third["json"]["items"]] == [ids[0]] and third["json"]["next_cursor"] is None
    assert [d["id"] for d in rare["json"]["items"]] == [ids[0]] and rare["json"]["next_cursor"] is None


def test_pages_escape_what_users_typed(api):
    response = page(api, "POST", "/subscribe", form={"email": '"><script>alert(1)</script>', "lang": "en"})

    assert "<script>alert(1)" not in response["body"]
    assert "&lt;script&gt;" in response["body"]


def test_document_asked_for_as_html_is_its_page_with_its_own_text_and_evidence_in_chinese(api, aws_stack):
    ids = _store_documents(aws_stack)

    response = page(api, "GET", f"/documents/{ids[0]}", query={"lang": "zh"})

    body = response["body"]
    assert response["statusCode"] == 200 and response["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="zh-CN">' in body and "<h1>关于印发第0号应急预案的通知</h1>" in body
    assert "<dt>文号</dt><dd>威政办字〔2024〕0号</dd>" in body
    assert '<time datetime="2024-05-10">2024-05-10</time>' in body
    assert '<a href="https://www.example.gov.cn/0.html" rel="noopener noreferrer">' in body
    assert "应急预案（标题）" in body and "(title)" not in body
    assert '<div class="text">全文 0</div>' in body


def test_document_page_in_english_names_where_the_evidence_was_found_in_english(api, aws_stack):
    ids = _store_documents(aws_stack)

    body = page(api, "GET", f"/documents/{ids[1]}", query={"lang": "en"})["body"]

    assert '<html lang="en">' in body and "应急预案 (title)" in body and "标题" not in body
    assert "<dt>Number</dt><dd>威政办字〔2024〕1号</dd>" in body


def test_document_asked_for_as_json_keeps_the_json_at_the_same_address(api, aws_stack):
    ids = _store_documents(aws_stack)

    response = call(api, "GET", f"/documents/{ids[0]}", query={"lang": "en"})

    assert response["headers"]["Content-Type"] == "application/json"
    assert response["json"]["id"] == ids[0] and response["json"]["title"] == "关于印发第0号应急预案的通知"


def test_unknown_document_asked_for_as_html_is_a_not_found_page(api, aws_stack):
    response = page(api, "GET", f"/documents/doc_{'f' * 32}", query={"lang": "en"})

    assert response["statusCode"] == 404 and "<h1>This link is not valid</h1>" in response["body"]
