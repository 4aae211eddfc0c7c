"""List headers written as receivers read them: plain <URI> lists, folded only between elements."""

from email.message import EmailMessage

import pytest

from gazette.domain.mail_headers import MAIL_POLICY, HeaderValueError, fold_uri_list, uri_list

HTTPS = ("<https://alerts.gazette-alerts.example.org/zh-hans/unsubscribe?s=sub_3117a2dcdb3990d1fb56e47b"
         "&t=z-QlvQpe7mKl0I6wTLoCdaOGqfkwdCpQCvJ65peYrwo>")
MAILTO = "<mailto:unsubscribe@gazette-alerts.example?subject=unsubscribe%20sub_3117a2dcdb3990d1fb56e47b>"


def _raw_headers(message: EmailMessage) -> bytes:
    return message.as_bytes().split(b"\r\n\r\n", 1)[0]


def test_list_unsubscribe_longer_than_the_fold_width_stays_one_unencoded_line():
    message = EmailMessage(policy=MAIL_POLICY)
    message["List-Unsubscribe"] = HTTPS
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    assert _raw_headers(message) == (
        f"List-Unsubscribe: {HTTPS}\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click".encode())


def test_list_unsubscribe_with_two_uris_folds_between_them_and_nowhere_else():
    message = EmailMessage(policy=MAIL_POLICY)
    message["List-Unsubscribe"] = f"{HTTPS}, {MAILTO}"

    assert _raw_headers(message) == f"List-Unsubscribe: {HTTPS},\r\n {MAILTO}".encode()


def test_short_uris_share_a_line_within_the_fold_width():
    assert fold_uri_list("List-Help", ["<https://a.example/h>", "<mailto:h@a.example>"], max_line_length=78,
                         linesep="\r\n") == "List-Help: <https://a.example/h>, <mailto:h@a.example>\r\n"


def test_other_headers_keep_smtp_folding_and_encoding():
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = "关于印发威海市气象灾害应急预案的通知"

    assert _raw_headers(message) == (
        b"Subject: =?utf-8?b?5YWz5LqO5Y2w5Y+R5aiB5rW35biC5rCU6LGh54G+5a6z5bqU5oCl6aKE?=\r\n"
        b" =?utf-8?b?5qGI55qE6YCa55+l?=")


@pytest.mark.parametrize("value", [
    "https://alerts.example.org/unsubscribe",  # no angle brackets
    "<https://alerts.example.org/退订>",  # not ASCII: would need encoding
    "<https://a.example/x> <https://a.example/y>",  # no comma between elements
    "",
])
def test_list_header_that_is_not_a_plain_uri_list_is_refused(value):
    with pytest.raises(HeaderValueError):
        uri_list(value)
    with pytest.raises(HeaderValueError):
        EmailMessage(policy=MAIL_POLICY)["List-Unsubscribe"] = value


def test_list_element_longer_than_a_mail_line_is_refused():
    with pytest.raises(HeaderValueError):
        fold_uri_list("List-Unsubscribe", ["<https://a.example/" + "x" * 1000 + ">"], max_line_length=78,
                      linesep="\r\n")
