"""Our own code per item, with no AWS at all: parse, split, repair, classify, render, sign."""

from __future__ import annotations

import inspect
import io
import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from benchmarks.common import ROOT, median
from benchmarks.corpus import entries, rss

MAILER_BATCH = 100  # the mailer's batch size in template.yaml
ISSUE_DOCUMENTS = 7  # a gazette issue's documents arrive together: the mailer's batches are about this size
SUBSCRIBERS = (1, 100, 10_000)
ALONE_AT_MOST = 100  # mails rendered alone beyond this many subscribers: per-mail cost x subscribers


def _cpu(fn: Any, runs: int) -> float:
    """Median CPU seconds of fn() over runs."""
    samples = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        samples.append(time.process_time() - start)
    return median(samples)


def run(feeds: int, per_feed: int, runs: int) -> dict[str, Any]:
    import feedparser

    from gazette.domain.classify import default_classifier
    from gazette.domain.documents import build_record
    from gazette.domain.feeds import parse_feed
    from gazette.domain.labels import domain_labels
    from gazette.domain.render import DocumentParts
    from gazette.domain.repair import repair_text
    from gazette.domain.signing import new_secret, signed_headers
    from gazette.domain.split import split_issue
    from gazette.domain.subscriptions import Channel, Mode, Narrowing, State, Subscription
    from gazette.messages import EntryMessage
    from gazette.services.ingest import document_item, entry_documents
    from gazette.services.notify import alert_mail
    from gazette.services.publish import document_event, document_out, publication

    items = entries(feeds * per_feed)
    bodies = [rss(i, items[i * per_feed:(i + 1) * per_feed]) for i in range(feeds)]
    headers = {"content-type": "application/rss+xml; charset=utf-8"}
    n_entries = len(items)
    classifier = default_classifier()
    wendeng = (ROOT / "tests" / "fixtures" / "wendeng-2024-02.txt").read_text(encoding="utf-8")
    devset = [json.loads(line) for line in (ROOT / "tests" / "data" / "devset.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]

    out: dict[str, Any] = {"entries": n_entries, "runs": runs}

    # --- parsing: feedparser alone (as we call it) and our parse_feed around it
    def raw_parse() -> None:
        for body in bodies:
            feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False,
                             resolve_relative_uris=False)

    def our_parse() -> None:
        for body in bodies:
            parse_feed(body, headers, feed_url="http://127.0.0.1/feed.xml")

    out["feedparser_per_entry"] = _cpu(raw_parse, runs) / n_entries
    out["parse_feed_per_entry"] = _cpu(our_parse, runs) / n_entries
    out["parse_overhead_per_entry"] = out["parse_feed_per_entry"] - out["feedparser_per_entry"]

    # --- split (with its repair) of the real issue, per document; repair alone per MB
    documents = split_issue(wendeng)
    out["issue_documents"] = len(documents)
    out["split_per_document"] = _cpu(lambda: split_issue(wendeng), runs) / max(1, len(documents))
    wendeng_mb = len(wendeng.encode("utf-8")) / 1e6
    out["repair_per_mb"] = _cpu(lambda: repair_text(wendeng), runs) / wendeng_mb

    # --- classification throughput over real documents (devset bodies and the issue's documents)
    texts = [(row["title"], row["body"], row.get("doc_number")) for row in devset]
    texts += [(doc.title, doc.text, doc.doc_number) for doc in documents]
    size = sum(len((t + b).encode("utf-8")) for t, b, _ in texts)
    chars = sum(len(t + b) for t, b, _ in texts)

    def classify_all() -> None:
        for title, body, number in texts:
            classifier.classify(title, body, number)

    seconds = _cpu(classify_all, runs)
    out["classify_mb_per_s"] = size / 1e6 / seconds
    out["classify_mchars_per_s"] = chars / 1e6 / seconds
    out["classify_corpus_mb"] = size / 1e6

    # The baseline: a bare Aho-Corasick pass of the classifier's own terms (every form it searches) over
    # the same titles and bodies, counting the matches, and nothing else.
    import ahocorasick

    bare = ahocorasick.Automaton()
    for key_id, form in enumerate(classifier._forms):
        bare.add_word(form, key_id)
    bare.make_automaton()

    def bare_pass() -> None:
        for title, body, _ in texts:
            counts: dict[int, int] = {}
            for text in (title, body):
                for _, key_id in bare.iter_long(text):
                    counts[key_id] = counts.get(key_id, 0) + 1

    out["bare_ac_mb_per_s"] = size / 1e6 / _cpu(bare_pass, runs)
    out["classify_to_bare_ac"] = out["classify_mb_per_s"] / out["bare_ac_mb_per_s"]

    # --- the per-entry domain work of the pipeline, stage by stage
    messages = [EntryMessage(feed_id="bench", entry_id=e.guid, title=e.title, link=e.link, summary=e.text,
                             published=e.published, issuer="基准测试发布机关", language="zh-Hans",
                             fetch_link=False) for e in items]
    now = datetime.now(UTC)
    prepared: list[Any] = []

    def split_entries() -> None:
        prepared.clear()
        for message in messages:
            prepared.append((message, entry_documents(message, None)[0]))

    out["entry_split_per_entry"] = _cpu(split_entries, runs) / n_entries
    classified: list[Any] = []

    def classify_entries() -> None:
        classified.clear()
        for message, docs in prepared:
            for doc in docs:
                classified.append((message, doc, classifier.classify(doc.title, doc.text, doc.doc_number)))

    out["entry_classify_per_entry"] = _cpu(classify_entries, runs) / n_entries
    stored: list[Any] = []

    def build_items() -> None:
        stored.clear()
        for message, doc, classification in classified:
            record = build_record(doc, feed_id=message.feed_id, entry_id=message.entry_id, url=message.link,
                                  language=message.language, classification=classification,
                                  extraction="feed:summary", issuer_fallback=None)
            stored.append(document_item(record, f"s3://bucket/documents/{record.doc_id}.txt", now))

    out["entry_record_per_entry"] = _cpu(build_items, runs) / n_entries
    events: list[Any] = []

    def publish_events() -> None:
        events.clear()
        for index, item in enumerate(stored):
            event = document_event(document_out(item))
            publication(event, str(index))
            events.append(event)

    out["entry_publish_per_entry"] = _cpu(publish_events, runs) / n_entries
    subscription = Subscription(subscription_id="sub_bench", channel=Channel.EMAIL, target="bench.reader@example.org",
                                domains=("bidding", "consumption", "disasters", "science"), mode=Mode.INSTANT,
                                locale="zh", narrowing=Narrowing(), state=State.CONFIRMED,
                                unsubscribe_token="t" * 32)
    mailed = [event for event in events if event.document.domains]
    # alert_mail took one event, and takes a list of them since mails may group documents.
    batched = next(iter(inspect.signature(alert_mail).parameters)) == "events"

    def one_mail(event: Any) -> Any:
        return alert_mail([event] if batched else event, subscription, sender="alerts@example.org",
                          base_url="https://alerts.example.org", labels=domain_labels)

    def render_mails() -> None:
        for event in mailed:
            one_mail(event)

    def render_and_serialise() -> None:
        for event in mailed:
            one_mail(event).as_bytes()

    out["mails"] = len(mailed)
    out["render_per_mail"] = _cpu(render_mails, runs) / max(1, len(mailed))
    out["render_and_bytes_per_mail"] = _cpu(render_and_serialise, runs) / max(1, len(mailed))
    secret = new_secret()
    bodies_json = [event.model_dump_json() for event in events]

    def sign_all() -> None:
        for index, body in enumerate(bodies_json):
            signed_headers(secrets_in_use=[secret], msg_id=f"msg_{index}", timestamp=now, body=body)

    out["sign_per_webhook"] = _cpu(sign_all, runs) / max(1, len(bodies_json))

    # As the mailer sends them: one mail per subscriber per batch of up to MAILER_BATCH documents.
    def render_batched() -> None:
        for start in range(0, len(mailed), MAILER_BATCH):
            alert_mail(mailed[start : start + MAILER_BATCH], subscription, sender="alerts@example.org",
                       base_url="https://alerts.example.org", labels=domain_labels).as_bytes()

    out["render_batched_per_entry"] = _cpu(render_batched, runs) / n_entries if batched else None

    # As a gazette issue arrives: batches of ISSUE_DOCUMENTS documents, one mail per subscriber per batch.
    def render_issue_batches() -> None:
        for start in range(0, len(mailed), ISSUE_DOCUMENTS):
            alert_mail(mailed[start : start + ISSUE_DOCUMENTS], subscription, sender="alerts@example.org",
                       base_url="https://alerts.example.org", labels=domain_labels).as_bytes()

    out["render_issue_per_entry"] = _cpu(render_issue_batches, runs) / n_entries
    out["mail_scaling"] = mail_scaling(mailed[:ISSUE_DOCUMENTS], subscription, alert_mail, domain_labels,
                                       DocumentParts)
    mail_share = len(mailed) / n_entries
    out["domain_before_mail_per_entry"] = (
        out["parse_overhead_per_entry"] + out["entry_split_per_entry"] + out["entry_classify_per_entry"]
        + out["entry_record_per_entry"] + out["entry_publish_per_entry"]
    )
    # The old measure: one subscriber, mails of up to MAILER_BATCH documents (one mail per 100 documents).
    out["domain_per_entry_old_measure"] = out["domain_before_mail_per_entry"] + (
        out["render_batched_per_entry"] if batched else out["render_and_bytes_per_mail"] * mail_share)
    # The new measure: issue-sized batches, one subscriber per batch (more subscribers: mail_scaling).
    out["domain_per_entry"] = out["domain_before_mail_per_entry"] + out["render_issue_per_entry"]
    out["mail_share"] = mail_share
    # The same at more subscribers: each entry stored, classified and published once, and mailed (when
    # it has a domain) in its batch's mail to every subscriber, composed as the mailer composes it.
    for row in out["mail_scaling"]:
        mail_per_entry = mail_share * row["composed_s"] / row["documents"]
        row["domain_per_entry"] = out["domain_before_mail_per_entry"] + mail_per_entry
        row["domain_per_entry_and_subscriber"] = row["domain_per_entry"] / row["subscribers"]
    return out


def mail_scaling(batch: list[Any], subscription: Any, alert_mail: Any, labels: Any, parts_class: Any) -> list[dict]:
    """One issue-sized batch mailed to 1, 100 and 10,000 subscribers: each mail rendered alone (every
    document's part rendered again for every subscriber) beside mails composed from parts rendered once
    per batch. Every mail is serialised (as_bytes), as it is sent. Beyond ALONE_AT_MOST subscribers the
    alone figure is the per-mail cost measured at ALONE_AT_MOST times the subscribers."""
    rows = []
    for count in SUBSCRIBERS:
        readers = [replace(subscription, subscription_id=f"sub_{n:05d}", target=f"reader{n}@example.org")
                   for n in range(count)]

        def composed(readers: list[Any] = readers) -> None:
            parts = parts_class()
            for reader in readers:
                alert_mail(batch, reader, sender="alerts@example.org", base_url="https://alerts.example.org",
                           labels=labels, parts=parts).as_bytes()

        def alone(readers: list[Any] = readers[:ALONE_AT_MOST]) -> None:
            for reader in readers:
                alert_mail(batch, reader, sender="alerts@example.org", base_url="https://alerts.example.org",
                           labels=labels).as_bytes()

        composed_s = _cpu(composed, 1 if count > ALONE_AT_MOST else 3)
        alone_per_mail = _cpu(alone, 3) / min(count, ALONE_AT_MOST)
        rows.append({"subscribers": count, "documents": len(batch), "composed_s": composed_s,
                     "composed_per_mail": composed_s / count, "alone_per_mail": alone_per_mail,
                     "alone_s": alone_per_mail * count, "alone_extrapolated": count > ALONE_AT_MOST})
    return rows

