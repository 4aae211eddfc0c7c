from email import message_from_bytes, policy

from gazette.domain.render import MailIdentity, clean_html, one_line, render_alert, render_confirmation
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
