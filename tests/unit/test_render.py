import json
import re
from email import message_from_bytes, policy
from pathlib import Path

from gazette.domain.documents import SUMMARY_CHARS
from gazette.domain.render import (
    DocumentParts,
    MailIdentity,
    clean_html,
    compose_alert,
    one_line,
    render_alert,
    render_confirmation,
)
from gazette.messages import DocumentOut, EvidenceOut

IDENTITY = MailIdentity(
    sender="alerts@gazette-alerts.example",
    recipient="reader@example.org",
    unsubscribe_url="https://alerts.example.org/unsubscribe?s=sub_1&t=tok",
    manage_url="https://alerts.example.org/subscriptions/sub_1",
)


def _document(**changes) -> DocumentOut:
    fields = {
        "id": "doc_1", "doc_number": "威政办字〔2024〕16号", "issuer": "威海市人民政府办公室",
        "title": "关于印发威海市气象灾害应急预案的通知", "published": "2024-04-20",
        "url": "https://www.weihai.gov.cn/doc", "feed_id": "weihai", "language": "zh-Hans",
        "domains": ["disasters"], "scores": {"disasters": 0.9},
        "evidence": {"disasters": [EvidenceOut(term="气象灾害", where="title", count=1)]},
        "summary": "为做好气象灾害防御工作。", "text_url": "s3://bucket/documents/doc_1.txt",
    }
    fields.update(changes)
    return DocumentOut(**fields)


def _parsed(message):
    return message_from_bytes(message.as_bytes(), policy=policy.default)


def test_alert_mail_has_one_click_unsubscribe_headers_and_both_parts():
    mail = _parsed(render_alert([_document()], IDENTITY, locale="zh", labels={"disasters": "灾害"},
                                message_key="evt_1.sub_1"))

    assert mail["List-Unsubscribe"] == f"<{IDENTITY.unsubscribe_url}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    raw = render_alert([_document()], IDENTITY, locale="zh", labels={"disasters": "灾害"},
                       message_key="evt_1.sub_1").as_bytes()
    assert (f"\r\nList-Unsubscribe: <{IDENTITY.unsubscribe_url}>\r\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n").encode() in raw
    assert "气象灾害应急预案" in str(mail["Subject"])
    assert mail.get_body(("plain",)).get_content().count("威政办字〔2024〕16号") == 1
    assert "灾害" in mail.get_body(("html",)).get_content()


def test_alert_mail_with_hostile_feed_content_contains_no_script_handler_or_javascript_link():
    hostile = _document(
        summary='<p onclick="steal()">要点</p><script>alert(1)</script><img src=x onerror=alert(1)>'
                '<a href="javascript:alert(1)">点此</a>',
        title="<script>alert('t')</script>通知",
    )
    mail = _parsed(render_alert([hostile], IDENTITY, locale="zh", labels={}, message_key="k"))
    html = mail.get_body(("html",)).get_content().lower()

    assert "<script" not in html
    assert "onerror" not in html and "onclick" not in html
    assert "javascript:" not in html
    assert "要点" in html


def test_alert_mail_title_with_newlines_cannot_inject_headers():
    mail = _parsed(render_alert([_document(title="通知\r\nBcc: victim@example.org")], IDENTITY,
                                locale="en", labels={}, message_key="k"))

    assert mail["Bcc"] is None
    assert "\n" not in str(mail["Subject"])


def test_confirmation_mail_links_to_the_confirm_page_with_its_query_intact():
    url = "https://alerts.example.org/confirm?s=sub_1&t=abc"
    mail = _parsed(render_confirmation(IDENTITY, confirm_url=url, domains=["science"], locale="en",
                                       labels={"science": "Science"}, message_key="confirm.sub_1"))

    assert url in mail.get_body(("plain",)).get_content()
    assert 'href="https://alerts.example.org/confirm?s=sub_1&amp;t=abc"' in mail.get_body(("html",)).get_content()


def test_one_line_folds_control_characters_and_caps_length():
    assert one_line("a\r\nb\tc", 100) == "a b c"
    assert len(one_line("长" * 500, 50)) == 50


def test_clean_html_keeps_safe_links_and_drops_unsafe_schemes():
    assert 'href="https://example.org"' in clean_html('<a href="https://example.org">x</a>')
    assert "javascript" not in clean_html('<a href="javascript:alert(1)">x</a>')


def _seed_document(doc_number: str, **changes) -> DocumentOut:
    """A seed document as an event carries it: its opening (summary) with its line breaks."""
    seeds = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "seed_documents.json").read_text("utf-8"))
    seed = next(doc for doc in seeds if doc["doc_number"] == doc_number)
    return _document(title=seed["title"], summary=seed["body"][:SUMMARY_CHARS], doc_number=doc_number, **changes)


def test_alert_mail_text_shows_each_document_as_a_summary_with_its_page_link_and_evidence_in_chinese():
    doc = _seed_document("威政办字〔2024〕16号", page_url="https://alerts.example.org/documents/doc_1", evidence={
        "disasters": [EvidenceOut(term="气象灾害", where="title", count=1),
                      EvidenceOut(term="应急预案", where="body", count=9)]})
    mail = _parsed(render_alert([doc], IDENTITY, locale="zh", labels={"disasters": "灾害"}, message_key="k"))

    assert mail.get_body(("plain",)).get_content().replace("\r\n", "\n") == (
        "您订阅的领域有新的政府文件：\n"
        "\n"
        "== 威海市人民政府办公室关于印发威海市气象灾害应急预案的通知\n"
        "威海市人民政府办公室 · 威政办字〔2024〕16号 · 2024-04-20\n"
        "\n"
        "建立健全气象灾害应急响应机制，提高气象灾害防范处置能力，明确职责、落实责任，保护人民群众生命财产安全，保障全市经济社会发展。"
        "《中华人民共和国突发事件应对法》《中华人民共和国气象法》《气象灾害防御条例》《山东省气象灾害防御条例》"
        "《山东省突发事件应急预案管理办法》《山东省气象灾害应急预案》《威海市突发事件总体应急预案》等法律法规规定。\n"
        "领域: 灾害\n"
        "依据: 灾害: 气象灾害（标题）, 应急预案（正文）\n"
        "查看全文: https://alerts.example.org/documents/doc_1\n"
        "原文: https://www.weihai.gov.cn/doc\n"
        "\n"
        "--\n"
        "您收到此邮件是因为订阅了政府公报提醒。\n"
        "管理订阅: https://alerts.example.org/subscriptions/sub_1\n"
        "退订: https://alerts.example.org/unsubscribe?s=sub_1&t=tok\n"
    )


def test_alert_mail_html_links_the_title_to_the_document_page_and_names_evidence_in_english():
    doc = _seed_document("威政办字〔2024〕16号", page_url="https://alerts.example.org/documents/doc_1")
    html = _parsed(render_alert([doc], IDENTITY, locale="en", labels={"disasters": "Disasters"},
                                message_key="k")).get_body(("html",)).get_content()

    assert ('<a href="https://alerts.example.org/documents/doc_1">'
            "威海市人民政府办公室关于印发威海市气象灾害应急预案的通知</a>") in html
    assert "Why: Disasters: 气象灾害 (title)" in html
    assert "各区市人民政府" not in html and "印发给你们" not in html


def test_digest_mail_shows_each_document_with_its_summary_and_page_link_as_an_alert_does():
    from gazette.domain.render import render_digest

    doc = _seed_document("威政办字〔2024〕16号", page_url="https://alerts.example.org/documents/doc_1")
    mail = _parsed(render_digest({"disasters": [doc]}, IDENTITY, period="d2024-04-21", locale="en",
                                 labels={"disasters": "Disasters"}, message_key="digest.sub_1.d2024-04-21"))
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")

    assert "## Disasters (1)\n\n== 威海市人民政府办公室关于印发威海市气象灾害应急预案的通知\n" in text
    assert "\n建立健全气象灾害应急响应机制，提高气象灾害防范处置能力，" in text
    assert "Why: Disasters: 气象灾害 (title)\nRead the document: https://alerts.example.org/documents/doc_1\n" in text


def _without_generated_fields(raw: bytes) -> bytes:
    """A mail's bytes without what each message generates afresh: Date, Message-ID and MIME boundaries."""
    raw = re.sub(rb"(?m)^(Date|Message-ID):[^\r\n]*(?:\r\n[ \t][^\r\n]*)*", rb"\1: -", raw)  # folded too
    return re.sub(rb"={15}\d+==", b"=boundary=", raw)


def test_alert_mail_composed_from_a_batchs_parts_equals_the_mail_rendered_alone():
    weather = _seed_document("威政办字〔2024〕16号", page_url="https://alerts.example.org/documents/doc_1", evidence={
        "disasters": [EvidenceOut(term="气象灾害", where="title", count=1)]})
    hostile = _document(id="doc_2", title="<b>通知</b>\r\nBcc: x@example.org",
                        summary='<p onclick="x()">为做好<script>alert(1)</script>工作。</p>')
    readers = [MailIdentity(sender=IDENTITY.sender, recipient=f"reader{n}@example.org",
                            unsubscribe_url=f"https://alerts.example.org/unsubscribe?s=sub_{n}&t=tok{n}",
                            manage_url=f"https://alerts.example.org/subscriptions/sub_{n}") for n in range(3)]
    wanted = [([weather, hostile], "zh", {"disasters": "灾害"}), ([hostile], "en", {"disasters": "Disasters"}),
              ([weather, hostile], "en", {"disasters": "Disasters"})]
    parts = DocumentParts()

    composed = [render_alert(docs, reader, locale=locale, labels=labels, message_key=f"k{n}", parts=parts)
                for n, (reader, (docs, locale, labels)) in enumerate(zip(readers, wanted, strict=True))]
    alone = [render_alert(docs, reader, locale=locale, labels=labels, message_key=f"k{n}")
             for n, (reader, (docs, locale, labels)) in enumerate(zip(readers, wanted, strict=True))]

    assert [_without_generated_fields(m.as_bytes()) for m in composed] == [
        _without_generated_fields(m.as_bytes()) for m in alone]
    assert parts.rendered == 4  # (doc_1, zh), (doc_2, zh), (doc_2, en), (doc_1, en): each once for the batch


def test_alert_mails_composed_for_many_subscribers_equal_each_mail_rendered_alone():
    weather = _seed_document("威政办字〔2024〕16号", page_url="https://alerts.example.org/documents/doc_1", evidence={
        "disasters": [EvidenceOut(term="气象灾害", where="title", count=1)]})
    hostile = _document(id="doc_2", title="<b>通知</b>\r\nBcc: x@example.org",
                        summary='<p onclick="x()">为做好<script>alert(1)</script>工作。</p>')
    long_name = "a-reader-with-a-rather-long-mailbox-name-that-makes-the-to-line-long@mail.example.org"
    readers = [MailIdentity(sender=IDENTITY.sender, recipient=address,
                            unsubscribe_url=f"https://alerts.example.org/unsubscribe?s=sub_{n}&t=tok{n}'\"",
                            manage_url=f"https://alerts.example.org/subscriptions/sub_{n}?a=1&b=2")
               for n, address in enumerate(["r0@example.org", long_name, "r2@example.org", "r3@example.org"])]
    parts = DocumentParts()

    composed = [compose_alert([weather, hostile], reader, locale=locale, labels={"disasters": "灾害"},
                              message_key=f"k{n}", parts=parts)
                for n, (reader, locale) in enumerate(zip(readers, ["zh", "zh", "zh", "en"], strict=True))]
    alone = [render_alert([weather, hostile], reader, locale=locale, labels={"disasters": "灾害"},
                          message_key=f"k{n}")
             for n, (reader, locale) in enumerate(zip(readers, ["zh", "zh", "zh", "en"], strict=True))]

    assert [_without_generated_fields(m.as_bytes()) for m in composed] == [
        _without_generated_fields(m.as_bytes()) for m in alone]
    assert [type(m).__name__ for m in composed] == ["EmailMessage", "ComposedMail", "ComposedMail", "EmailMessage"]
    assert [(m.sender, m.recipient) for m in composed[1:3]] == [(IDENTITY.sender, long_name),
                                                                 (IDENTITY.sender, "r2@example.org")]
