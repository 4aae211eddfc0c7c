"""Who hears about a document: the confirmed subscriptions of its domains, narrowed, each once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from gazette.adapters.subscription_store import SubscriptionStore
from gazette.domain.render import DocumentParts, MailIdentity, compose_alert, render_alert
from gazette.domain.subscriptions import Channel, Subscription, matches
from gazette.messages import DocumentCreated, DocumentOut, document_page_url


@dataclass
class SubscriberIndex:
    """Reads each domain's subscription rows once per invocation, however many documents share it."""

    store: SubscriptionStore
    channel: Channel
    # Reads a document's full text (from its text_url) for keyword narrowing; without it the summary is
    # searched. Called at most once per document, and only when a candidate has keywords.
    text_loader: Callable[[str], str] | None = None
    _cache: dict[str, list[Subscription]] = field(default_factory=dict)
    reads: int = 0

    def for_domain(self, domain: str) -> list[Subscription]:
        if domain not in self._cache:
            self._cache[domain] = self.store.by_domain(domain, self.channel)
            self.reads += 1
        return self._cache[domain]

    def recipients(self, event: DocumentCreated) -> list[Subscription]:
        document = event.document
        seen: dict[str, Subscription] = {}
        full_text: list[str] = []

        def text_for(subscription: Subscription) -> str:
            if not subscription.narrowing.keywords or self.text_loader is None or not document.text_url:
                return document.summary
            if not full_text:
                full_text.append(self.text_loader(document.text_url))
            return full_text[0]

        for domain in document.domains:
            for subscription in self.for_domain(domain):
                if subscription.subscription_id in seen:
                    continue
                if matches(subscription, domains=document.domains, title=document.title,
                           text=text_for(subscription), feed_id=document.feed_id, issuer=document.issuer,
                           language=document.language):
                    seen[subscription.subscription_id] = subscription
        return list(seen.values())


def unsubscribe_url(base_url: str, subscription: Subscription) -> str:
    query = urlencode({"s": subscription.subscription_id, "t": subscription.unsubscribe_token})
    return f"{base_url.rstrip('/')}/unsubscribe?{query}"


def manage_url(base_url: str, subscription: Subscription) -> str:
    return f"{base_url.rstrip('/')}/subscriptions/{subscription.subscription_id}"


def with_page_url(document: DocumentOut, base_url: str) -> DocumentOut:
    """Events published before documents had pages carry no `page_url`: link the page all the same."""
    if document.page_url or not base_url:
        return document
    return document.model_copy(update={"page_url": document_page_url(base_url, document.id)})


def alert_mail(events: list[DocumentCreated], subscription: Subscription, *, sender: str, base_url: str,
               labels: Callable[[str], dict[str, str]], parts: DocumentParts | None = None):
    """One mail to one subscription about one or several new documents.

    `parts` holds what this batch has already rendered (each document's part per language, and the
    whole mail once per set of documents), so each further subscriber's mail is only composed from it,
    into the bytes it would have alone; without it this mail renders its own.
    """
    identity = MailIdentity(
        sender=sender,
        recipient=subscription.target,
        unsubscribe_url=unsubscribe_url(base_url, subscription),
        manage_url=manage_url(base_url, subscription),
    )
    documents = [with_page_url(event.document, base_url) for event in events]
    message_key = f"{events[0].id}.{subscription.subscription_id}"
    if parts is None:
        return render_alert(documents, identity, locale=subscription.locale, labels=labels(subscription.locale),
                            message_key=message_key)
    return compose_alert(documents, identity, locale=subscription.locale, labels=labels(subscription.locale),
                         message_key=message_key, parts=parts)
