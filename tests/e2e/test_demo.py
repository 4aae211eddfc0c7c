"""The demo path end to end on the embedded server: a feed and a list page -> documents -> mail and webhooks."""

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

LIST_ITEM = "国务院关于《扩大消费“十五五”规划》的批复"
# What the demo prints of the documents it stored: the issue's seven, then the list's new item.
STORED = "\n".join([
    "8 documents stored:",
    "  number                 issuer           date        domains                title",
    "  鲁政发〔2024〕3号            山东省人民政府          2024-04-04  consumption            "
    "关于印发山东省推动大规模设备更新和消费品以旧换新实施方案的通知",
    "  威政办字〔2024〕15号          威海市人民政府办公室       2024-04-19  (none)                 "
    "关于印发威海市全国基层中医药工作示范市创建方案的通知",
    "  威政办字〔2024〕16号          威海市人民政府办公室       2024-04-20  disasters              "
    "关于印发威海市气象灾害应急预案的通知",
    "  威文政发〔2024〕6号           威海市文登区人民政府       2024-04-28  science                "
    "关于印发《威海市文登区科技创新发展三年行动方案（2024—2026年）》的通知",
    "  国办发〔2024〕21号           国务院办公厅           2024-05-02  bidding                "
    "关于创新完善体制机制推动招标投标市场规范健康发展的意见",
    "  鲁政办字〔2024〕53号          山东省人民政府办公厅       2024-05-18  consumption            "
    "关于进一步促进消费持续向好的意见",
    "  威文政办发〔2024〕4号          威海市文登区人民政府办公室    2024-05-31  disasters              "
    "关于印发《威海市文登区2024年地质灾害防治方案》的通知",
    "  -                                       2026-07-13  consumption            "
    "国务院关于《扩大消费“十五五”规划》的批复",
])

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    printed = io.StringIO()
    result = run_demo(out, ["reader@example.org"], ["local"], printed)
    return result, printed.getvalue()


def test_demo_stores_the_seven_seed_documents_and_the_list_sources_new_item(demo):
    result, printed = demo
    assert sorted((doc.get("doc_number") or "-", doc["feed_id"]) for doc in result.documents) == sorted(
        [(number, "wendeng-gazette") for number in SEED_NUMBERS] + [("-", "gov-cn-zuixin")])
    assert f"\n{STORED}\n\ndeliveries:\n" in printed


def test_demo_first_poll_records_baselines_and_says_so(demo):
    _, printed = demo
    lines = printed.splitlines()
    assert lines[2].startswith("2 source(s) served at http://127.0.0.1:")
    assert lines[5] == ("first poll: 2 source(s) recorded their baseline, nobody alerted; then the local site "
                        "published, and the second poll found what is new")


def test_demo_list_sources_new_item_reaches_the_mail_and_a_webhook(demo):
    result, _ = demo
    alert = next(path for path in result.mails if "alert" in path.name)
    message = email.message_from_string(alert.read_text(encoding="utf-8"), policy=policy.default)
    assert LIST_ITEM in message.get_body(("plain",)).get_content()
    payloads = [json.loads(path.read_text(encoding="utf-8"))["payload"]["document"] for path in result.webhooks]
    assert [(p["title"], p["feed_id"], p["domains"], p["published"]) for p in payloads
            if p["feed_id"] == "gov-cn-zuixin"] == [(LIST_ITEM, "gov-cn-zuixin", ["consumption"], "2026-07-13")]


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
    numbers = {p["payload"]["document"]["doc_number"] or p["payload"]["document"]["title"] for p in payloads}
    assert numbers == SEED_NUMBERS - {"威政办字〔2024〕15号"} | {LIST_ITEM}
    assert len(payloads) == len(numbers)


def test_demo_a_second_run_in_the_same_folder_starts_clean_and_says_so(demo):
    result, _ = demo
    printed = io.StringIO()
    again = run_demo(result.out, ["reader@example.org"], [], printed)
    assert "every run starts clean" in printed.getvalue()
    assert len(again.documents) == 8
    assert not (result.out / "webhooks").exists() or not any((result.out / "webhooks").iterdir())
