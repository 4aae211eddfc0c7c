"""Renders alert and confirmation mails: multipart text + HTML from autoescaped Jinja2 templates.

Everything that came from a feed is untrusted: summaries are cleaned with nh3 (no script, no event
handler, no javascript: link survives), titles are folded to one line before they reach a header.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

from gazette.domain.reading import reading_summary
from gazette.messages import DocumentOut

if TYPE_CHECKING:
    from email.message import EmailMessage

    from jinja2 import Environment

# nh3, Jinja2 and the email package are imported where text is first cleaned, a template or a message
# first made: a function that imports this module for one of them does not load the others at cold
# start, and one that uses none (the webhooks) loads none.

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_TAGS = re.compile(r"<[^>]*>")

TEXTS = {
    "zh": {
        "lang": "zh-CN",
        "intro": "您订阅的领域有新的政府文件：",
        "domains": "领域",
        "why": "依据",
        "where": {"title": "标题", "body": "正文"},
        "open_page": "查看全文",
        "source": "原文",
        "footer": "您收到此邮件是因为订阅了政府公报提醒。",
        "manage": "管理订阅",
        "unsubscribe": "退订",
        "subject_one": "【政府公报提醒】{title}",
        "subject_many": "【政府公报提醒】{count} 件新文件：{title} 等",
        "digest_intro": "以下是本期您订阅领域的新政府文件：",
        "digest_subject": "【政府公报提醒】{period} 摘要：{count} 件新文件",
        "confirm_subject": "请确认您的政府公报提醒订阅",
        "confirm_intro": "有人（希望是您）用此邮箱订阅了政府公报提醒。确认之前，我们不会再发送任何邮件。",
        "confirm_button": "确认订阅",
        "confirm_ignore": "如果不是您本人操作，请忽略此邮件，订阅将在 48 小时后失效。",
    },
    "en": {
        "lang": "en",
        "intro": "New government documents in the domains you follow:",
        "domains": "Domains",
        "why": "Why",
        "where": {"title": "title", "body": "body"},
        "open_page": "Read the document",
        "source": "Source",
        "footer": "You receive this because you subscribed to gazette alerts.",
        "manage": "Manage subscription",
        "unsubscribe": "Unsubscribe",
        "subject_one": "[Gazette alert] {title}",
        "subject_many": "[Gazette alert] {count} new documents: {title} and more",
        "digest_intro": "New government documents in the domains you follow, this period:",
        "digest_subject": "[Gazette alerts] {period} digest: {count} new documents",
        "confirm_subject": "Please confirm your gazette alerts subscription",
        "confirm_intro": "Someone (hopefully you) subscribed this address to gazette alerts. "
        "Nothing else is sent until you confirm.",
        "confirm_button": "Confirm subscription",
        "confirm_ignore": "If this was not you, ignore this mail; the request expires in 48 hours.",
    },
}


@cache
def template_environment() -> Environment:
    """The one Jinja2 environment of mails and pages: HTML templates autoescaped, text ones not."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("gazette", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "html"), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def one_line(text: str, limit: int = 180) -> str:
    """Folds a feed-supplied string for use in a header: no CR/LF, no control characters."""
    folded = " ".join(_CONTROL.sub(" ", text or "").split())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"


def clean_html(fragment: str) -> str:
    """Feed HTML reduced to harmless markup: nh3 drops scripts, handlers and unsafe URL schemes."""
    import nh3

    return nh3.clean(fragment or "", url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def plain_text(fragment: str) -> str:
    import nh3

    return " ".join(_TAGS.sub(" ", nh3.clean(fragment or "", tags=set())).split())


def _safe_url(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("http://", "https://")) else None


@dataclass(frozen=True, slots=True)
class MailIdentity:
    sender: str
    recipient: str
    unsubscribe_url: str  # RFC 8058 one-click target (POST) and the page a GET shows
    manage_url: str


def _new_message(identity: MailIdentity, subject: str, *, message_key: str) -> EmailMessage:
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    from gazette.domain.mail_headers import MAIL_POLICY

    message = EmailMessage(policy=MAIL_POLICY)  # list headers as plain <URI>s (mail_headers)
    message["From"] = Address(display_name="Gazette alerts", addr_spec=identity.sender)
    message["To"] = identity.recipient
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = identity.sender.rsplit("@", 1)[-1]
    message["Message-ID"] = make_msgid(idstring=message_key[:40], domain=domain)
    return message


def evidence_lines(doc: DocumentOut, labels: dict[str, str], where: dict[str, str], *,
                   per_domain: int = 4) -> list[str]:
    """`灾害: 气象灾害（标题）, 应急预案（正文）`: each chosen domain's terms and where they were found,
    in the reader's language."""
    open_mark, close_mark = ("（", "）") if where.get("title") == "标题" else (" (", ")")
    return [
        f"{labels.get(domain, domain)}: "
        + ", ".join(f"{e.term}{open_mark}{where.get(e.where, e.where)}{close_mark}" for e in items[:per_domain])
        for domain, items in doc.evidence.items()
        if items and domain in doc.domains
    ]


def document_view(doc: DocumentOut, labels: dict[str, str], texts: dict[str, object]) -> dict[str, object]:
    """What the per-document part of a mail shows (`mail/_document.*.j2`), the same in every mail it is in."""
    import nh3

    opening = html.unescape(nh3.clean(doc.summary or "", tags=set()))  # feed HTML to text, line breaks kept
    return {
        "title": one_line(doc.title, 300),
        "url": _safe_url(doc.url),
        "page_url": _safe_url(doc.page_url),
        "issuer": doc.issuer,
        "doc_number": doc.doc_number,
        "published": doc.published.isoformat() if doc.published else None,
        "domain_labels": [labels.get(domain, domain) for domain in doc.domains],
        "evidence": evidence_lines(doc, labels, texts["where"]),  # type: ignore[arg-type]
        "gist": reading_summary(opening, doc.title) or one_line(opening, 200),
    }


@dataclass
class DocumentParts:
    """Each document's part of an alert (its text and its HTML), rendered once per batch of mails.

    A batch's documents go to many subscribers; the part a document shows is the same in every mail
    of one language, so it is rendered once per (document, language) and each subscriber's mail is
    composed from the parts: the cost grows with subscribers plus documents, not their product. The
    parts are keyed by document id and locale, so one `DocumentParts` serves one batch, whose labels
    are the locale's.
    """

    _parts: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    rendered: int = 0
    # Whole alerts written once per set of documents (compose_alert): None where one cannot be reused.
    templates: dict[tuple[tuple[str, ...], str, str], _AlertTemplate | None] = field(default_factory=dict)
    met: set[tuple[tuple[str, ...], str, str]] = field(default_factory=set)

    def of(self, doc: DocumentOut, *, locale: str, labels: dict[str, str], texts: dict[str, object]) -> tuple[str, str]:
        key = (doc.id, locale)
        if key not in self._parts:
            from markupsafe import Markup

            env = template_environment()
            view = document_view(doc, labels, texts)
            text = env.get_template("mail/_document.txt.j2").render(doc=view, t=texts)
            html = env.get_template("mail/_document.html.j2").render(doc=view, t=texts)
            markup = Markup(html)  # noqa: S704 - the output of an autoescaped template
            self._parts[key] = (text, markup)
            self.rendered += 1
        return self._parts[key]


def _with_bodies(message: EmailMessage, template: str, context: dict[str, object]) -> EmailMessage:
    env = template_environment()
    message["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(env.get_template(f"mail/{template}.txt.j2").render(context), cte="base64")
    message.add_alternative(env.get_template(f"mail/{template}.html.j2").render(context), subtype="html",
                            cte="base64")
    return message


def render_alert(
    documents: list[DocumentOut],
    identity: MailIdentity,
    *,
    locale: str,
    labels: dict[str, str],
    message_key: str,
    parts: DocumentParts | None = None,
) -> EmailMessage:
    """One mail about one new document, or about the several that arrived together.

    Each document's part comes from `parts` (rendered there once per batch, see DocumentParts); without
    it the parts are rendered for this mail alone, into the same bytes.
    """
    texts = TEXTS.get(locale, TEXTS["zh"])
    parts = parts if parts is not None else DocumentParts()
    rendered = [parts.of(doc, locale=locale, labels=labels, texts=texts) for doc in documents]
    first_title = one_line(documents[0].title, 300)
    if len(documents) == 1:
        subject = texts["subject_one"].format(title=first_title)
    else:
        subject = texts["subject_many"].format(count=len(documents), title=one_line(first_title, 60))
    context = {
        "t": texts,
        "subject": one_line(subject),
        "text_parts": [text for text, _ in rendered],
        "html_parts": [markup for _, markup in rendered],
        "unsubscribe_url": identity.unsubscribe_url,
        "manage_url": identity.manage_url,
    }
    return _with_bodies(_new_message(identity, subject, message_key=message_key), "alert", context)


@dataclass(frozen=True, slots=True)
class ComposedMail:
    """A mail already written out as the bytes SES sends (`as_bytes`), with its envelope addresses."""

    sender: str
    recipient: str
    data: bytes

    def as_bytes(self) -> bytes:
        return self.data


# Stand-ins for what differs between subscribers, in a mail rendered once per batch. They survive
# HTML escaping unchanged and pass the list-header check; they are never sent.
_STAND_IN_UNSUBSCRIBE = "https://stand-in.invalid/unsubscribe-9c2e41"
_STAND_IN_MANAGE = "https://stand-in.invalid/manage-9c2e41"
_STAND_IN_RECIPIENT = "stand-in-9c2e41@stand-in.invalid"


def _base64_body(text: str, linesep: bytes, max_line_length: int) -> bytes:
    """A text part's payload as `set_content(text, cte="base64")` and the generator write it."""
    import binascii

    data = linesep.join(text.encode("utf-8").splitlines()) + linesep
    step = max_line_length // 4 * 3
    encoded = b"".join(binascii.b2a_base64(data[i : i + step]) for i in range(0, len(data), step))
    return encoded.replace(b"\n", linesep)


@dataclass
class _AlertTemplate:
    """One batch's alert for one set of documents and one language, written out once with stand-ins.

    Per subscriber only the recipient, Message-ID and List-Unsubscribe headers are folded, and the two
    bodies (their links substituted) encoded: the Subject's encoded words, the other headers and the
    documents' parts are the template's.
    """

    sender: str
    heads: list[tuple[str, str, bytes]]  # (lower-case name, name, folded header) in the order written
    text: str
    html: str
    between: tuple[bytes, bytes, bytes]  # header end .. text payload, .. html payload, .. end

    def compose(self, identity: MailIdentity, message_key: str) -> ComposedMail:
        from email.utils import make_msgid

        from markupsafe import escape

        from gazette.domain.mail_headers import MAIL_POLICY

        values = {"to": identity.recipient,
                  "message-id": make_msgid(idstring=message_key[:40], domain=identity.sender.rsplit("@", 1)[-1]),
                  "list-unsubscribe": f"<{identity.unsubscribe_url}>"}
        head = b"".join(
            MAIL_POLICY.fold_binary(name, MAIL_POLICY.header_store_parse(name, values[lower])[1])
            if lower in values else folded
            for lower, name, folded in self.heads
        )
        text = self.text.replace(_STAND_IN_UNSUBSCRIBE, identity.unsubscribe_url).replace(
            _STAND_IN_MANAGE, identity.manage_url)
        html = self.html.replace(_STAND_IN_UNSUBSCRIBE, str(escape(identity.unsubscribe_url))).replace(
            _STAND_IN_MANAGE, str(escape(identity.manage_url)))
        linesep = MAIL_POLICY.linesep.encode("ascii")
        limit = MAIL_POLICY.max_line_length
        data = b"".join((head, self.between[0], _base64_body(text, linesep, limit), self.between[1],
                         _base64_body(html, linesep, limit), self.between[2]))
        return ComposedMail(sender=identity.sender, recipient=identity.recipient, data=data)


def _alert_template(documents: list[DocumentOut], sender: str, *, locale: str, labels: dict[str, str],
                    parts: DocumentParts) -> _AlertTemplate | None:
    """The batch's mail for these documents written once with stand-ins, or None when its bytes cannot
    be taken apart as `compose` puts them together again (then every mail is rendered whole)."""
    from gazette.domain.mail_headers import MAIL_POLICY

    stand_in = MailIdentity(sender=sender, recipient=_STAND_IN_RECIPIENT, unsubscribe_url=_STAND_IN_UNSUBSCRIBE,
                            manage_url=_STAND_IN_MANAGE)
    message = render_alert(documents, stand_in, locale=locale, labels=labels, message_key="stand-in", parts=parts)
    raw = message.as_bytes()
    linesep = MAIL_POLICY.linesep.encode("ascii")
    heads = [(name.lower(), name, MAIL_POLICY.fold_binary(name, value)) for name, value in message.raw_items()]
    head = b"".join(folded for _, _, folded in heads)
    text_part, html_part = (part for part in message.iter_parts())
    text, html = text_part.get_content(), html_part.get_content()
    text_body = _base64_body(text, linesep, MAIL_POLICY.max_line_length)
    html_body = _base64_body(html, linesep, MAIL_POLICY.max_line_length)
    if not raw.startswith(head) or raw.count(text_body) != 1 or raw.count(html_body) != 1:
        return None
    start_text = raw.index(text_body)
    start_html = raw.index(html_body, start_text + len(text_body))
    between = (raw[len(head):start_text], raw[start_text + len(text_body):start_html],
               raw[start_html + len(html_body):])
    template = _AlertTemplate(sender=sender, heads=heads, text=text, html=html, between=between)
    # The stand-ins composed back must give the very bytes written (Message-ID aside, made afresh).
    again = template.compose(stand_in, "stand-in").data
    if _without_message_id(again) != _without_message_id(raw):
        return None
    return template


def _without_message_id(raw: bytes) -> bytes:
    return re.sub(rb"(?m)^Message-ID:[^\r\n]*(?:\r\n[ \t][^\r\n]*)*", b"", raw)


def compose_alert(
    documents: list[DocumentOut],
    identity: MailIdentity,
    *,
    locale: str,
    labels: dict[str, str],
    message_key: str,
    parts: DocumentParts,
) -> ComposedMail | EmailMessage:
    """The same mail as `render_alert`, from a template written once per batch for these documents.

    The first subscriber of a set of documents pays for writing the whole mail (the Subject's encoded
    words, the MIME structure); every further one only for its own headers and links, so a batch to
    many subscribers costs little more per mail than copying its bytes.
    """
    key = (tuple(doc.id for doc in documents), locale, identity.sender)
    template = parts.templates.get(key)
    if key not in parts.templates:
        if key in parts.met:  # a set of documents met once is rendered whole: a template pays from the second
            template = parts.templates[key] = _alert_template(documents, identity.sender, locale=locale,
                                                              labels=labels, parts=parts)
        parts.met.add(key)
    if template is None:
        return render_alert(documents, identity, locale=locale, labels=labels, message_key=message_key,
                            parts=parts)
    return template.compose(identity, message_key)


def render_digest(
    groups: dict[str, list[DocumentOut]],
    identity: MailIdentity,
    *,
    period: str,
    locale: str,
    labels: dict[str, str],
    message_key: str,
) -> EmailMessage:
    """One mail for a period, its documents grouped under the subscription's domains."""
    texts = TEXTS.get(locale, TEXTS["zh"])
    count = sum(len(docs) for docs in groups.values())
    subject = texts["digest_subject"].format(period=period[1:], count=count)
    context = {
        "t": texts,
        "subject": one_line(subject),
        "groups": [
            {"label": labels.get(domain, domain), "documents": [document_view(doc, labels, texts) for doc in docs]}
            for domain, docs in groups.items()
        ],
        "unsubscribe_url": identity.unsubscribe_url,
        "manage_url": identity.manage_url,
    }
    return _with_bodies(_new_message(identity, subject, message_key=message_key), "digest", context)


def render_confirmation(
    identity: MailIdentity,
    *,
    confirm_url: str,
    domains: list[str],
    locale: str,
    labels: dict[str, str],
    message_key: str,
) -> EmailMessage:
    texts = TEXTS.get(locale, TEXTS["zh"])
    context = {
        "t": texts,
        "subject": texts["confirm_subject"],
        "confirm_url": confirm_url,
        "domain_labels": [labels.get(domain, domain) for domain in domains],
        "unsubscribe_url": identity.unsubscribe_url,
        "manage_url": identity.manage_url,
    }
    message = _new_message(identity, texts["confirm_subject"], message_key=message_key)
    return _with_bodies(message, "confirm", context)
