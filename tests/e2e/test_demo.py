"""The demo path end to end on the embedded server: feed -> documents in DynamoDB -> mail and webhooks."""

import email
import io
import json
from email import policy

import pytest

from gazette_local.demo import run_demo

SEED_NUMBERS = {
    "国办发〔2024〕21号", "鲁政发〔2024〕3号", "鲁政办字〔2024〕53号", "威政办字〔2024〕15号",
    "威政办字〔2024〕16号", "威文政发〔2024〕6号", "威文政办发〔2024〕4号",
}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    printed = io.StringIO()
    result = run_demo(out, ["reader@example.org"], ["local"], printed)
    return result, printed.getvalue()


def test_demo_stores_the_seven_seed_documents_with_their_numbers(demo):
    result, printed = demo
    assert {doc["doc_number"] for doc in result.documents} == SEED_NUMBERS
    for number in SEED_NUMBERS:
        assert number in printed


def test_demo_mails_the_subscribed_address_about_a_disasters_document(demo):
    result, _ = demo
    texts = []
    for path in result.mails:
        message = email.message_from_string(path.read_text(encoding="utf-8"), policy=policy.default)
        if message["To"] == "reader@example.org" and "alert" in path.name:
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            texts.append(message.get_body(("plain",)).get_content())
    alerts = "\n".join(texts)
    assert "关于印发威海市气象灾害应急预案的通知" in alerts
    assert "地质灾害防治方案" in alerts
    # The document with no domain is stored but mailed to nobody.
    assert "中医药" not in alerts


def test_demo_sends_one_alert_listing_the_issues_documents_not_a_burst_of_mails(demo):
    result, _ = demo
    alerts = [path for path in result.mails if "alert" in path.name]
    assert len(alerts) == 1


def test_demo_sends_the_confirmation_mail_before_any_alert(demo):
    result, _ = demo
    assert "confirm" in result.mails[0].name
    assert all("alert" in path.name for path in result.mails[1:])


def test_demo_webhook_receiver_verified_one_delivery_per_document_with_a_domain(demo):
    result, _ = demo
    payloads = [json.loads(path.read_text(encoding="utf-8")) for path in result.webhooks]
    assert all(p["verified"] for p in payloads)
    numbers = {p["payload"]["document"]["doc_number"] for p in payloads}
    assert numbers == SEED_NUMBERS - {"威政办字〔2024〕15号"}
    assert len(payloads) == len(numbers)


def test_demo_a_second_run_in_the_same_folder_starts_clean_and_says_so(demo):
    result, _ = demo
    printed = io.StringIO()
    again = run_demo(result.out, ["reader@example.org"], [], printed)
    assert "every run starts clean" in printed.getvalue()
    assert len(again.documents) == 7
    assert not (result.out / "webhooks").exists() or not any((result.out / "webhooks").iterdir())
