"""feedparser's own sanitiser corpus (tests/wellformed/sanitize) through our parser into our mails:
no script, no event handler, no javascript: link from any feed ever reaches a rendered mail."""

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from gazette.domain.feeds import FeedParseError, parse_feed
from gazette.domain.render import MailIdentity, render_alert
from gazette.messages import DocumentOut

CORPUS = Path(__file__).resolve().parents[2] / ".cache" / "feedparser-corpus" / "tests" / "wellformed" / "sanitize"
IDENTITY = MailIdentity(sender="alerts@gazette-alerts.example", recipient="reader@example.org",
                        unsubscribe_url="https://alerts.example.org/unsubscribe?s=s&t=t",
                        manage_url="https://alerts.example.org/subscriptions/s")
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
DANGEROUS_TAGS = re.compile(r"<\s*(script|iframe|object|embed|applet|meta|link|style|form|base)\b", re.IGNORECASE)


def _html_of(summary: str, title: str) -> str:
    document = DocumentOut(id="doc_x", title=title or "t", feed_id="f", language="en", domains=["science"],
                           summary=summary, text_url="s3://b/k", url="https://example.org/x")
    mail = render_alert([document], IDENTITY, locale="en", labels={}, message_key="k")
    return message_from_bytes(mail.as_bytes(), policy=policy.default).get_body(("html",)).get_content()


def test_sanitize_corpus_is_present():
    assert CORPUS.is_dir(), f"{CORPUS} is missing: run `make corpus` (make test does it)"
    assert len(list(CORPUS.glob("*.xml"))) > 500


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.xml")) if CORPUS.is_dir() else [])
def test_feed_content_from_the_sanitize_corpus_renders_into_a_clean_mail(name):
    try:
        parsed = parse_feed((CORPUS / name).read_bytes(), {}, feed_url="https://example.org/feed")
    except FeedParseError:
        return
    for entry in parsed.entries:
        html = _html_of(entry.content or entry.summary or "", entry.title or "")
        body = html.split("<body", 1)[1]
        assert not DANGEROUS_TAGS.search(body), name
        assert not HANDLER.search(body), name
        assert "javascript:" not in body.lower().replace(" ", ""), name
        assert "vbscript:" not in body.lower(), name
