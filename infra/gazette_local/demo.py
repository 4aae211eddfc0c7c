"""`gazette demo`: the whole pipeline on the embedded AWS, from a local feed to mails and webhooks."""

from __future__ import annotations

import email
import json
import logging
import os
import re
import shutil
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from typing import TextIO
from urllib.parse import parse_qs, urlsplit

from moto.server import ThreadedMotoServer

from gazette_local.runner import Invocations, Runner, sent_mail
from gazette_local.servers import FeedHost, WebhookReceiver, feed_server
from gazette_local.stack import LocalStack, create_stack, free_port
from gazette_local.template import default_template_path

ALL_DOMAINS = ["bidding", "consumption", "disasters", "science"]
DEFAULT_EMAIL = "demo.reader@example.org"
LOCAL_API = "http://127.0.0.1:8000"
FIRST_RETRY_LIMIT = 30.0  # seconds the demo waits for a first webhook retry (the schedule's first is ~5 s)


def project_root() -> Path:
    return default_template_path().parent


@contextmanager
def embedded_aws(overrides: dict[str, str] | None = None) -> Iterator[LocalStack]:
    """moto's server on a free loopback port, with template.yaml's resources, for the duration."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        # moto keeps its state per process: a second stack in the same process must start empty.
        reset = urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", method="POST")
        urllib.request.urlopen(reset, timeout=10).close()  # noqa: S310 - loopback moto server
        stack = create_stack(f"http://127.0.0.1:{port}", overrides)
        with stack.activated():
            yield stack
    finally:
        server.stop()


@contextmanager
def quiet_functions() -> Iterator[None]:
    """The functions log JSON for CloudWatch; the demo prints its own summary instead."""
    saved = {key: os.environ.get(key) for key in ("POWERTOOLS_METRICS_DISABLED", "POWERTOOLS_LOG_LEVEL")}
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class DemoResult:
    out: Path
    documents: list[dict] = field(default_factory=list)
    mails: list[Path] = field(default_factory=list)
    webhooks: list[Path] = field(default_factory=list)
    webhook_secrets: dict[str, str] = field(default_factory=dict)
    webhook_deliveries: list[dict] = field(default_factory=list)  # delivery rows (+ "url") at the end
    webhook_failures: list[dict] = field(default_factory=list)  # the rows not delivered after the first pass


def register_feeds(stack: LocalStack, registry: Path, base_url: str, only: set[str] | None = None) -> int:
    """Writes the registry's sources (those named in `only`, if given) to the stack's feeds table."""
    from gazette.adapters.dynamo import FeedStore
    from gazette.domain.registry import load_registry
    from gazette_local.cli import stored_source

    feeds = [feed for feed in load_registry(registry, base_url=base_url) if only is None or feed.feed_id in only]
    store = FeedStore(stack.client("dynamodb"), stack.tables["FeedsTable"])
    for feed in feeds:
        store.put_feed(stored_source(feed))
    store.mark_shared_hosts()
    return len(feeds)


def watch_sources(stack: LocalStack, runner: Runner, site: FeedHost) -> tuple[int, Invocations]:
    """Two scheduler ticks around the local site publishing something new.

    Tick one: every source is new, so its first poll records a baseline and alerts nobody. Then the
    site publishes (a new gazette issue, a new list item) and every source is due again; tick two
    finds exactly what was published, which flows through ingest to mails and webhooks. Returns the
    number of baselines recorded and the handlers' invocations.
    """
    from gazette.adapters.dynamo import FeedStore

    store = FeedStore(stack.client("dynamodb"), stack.tables["FeedsTable"])
    runner.run_schedule()
    runner.drain()
    baselines = sum(1 for feed in store.list_feeds() if feed.get("health_status") == "baseline")
    site.publish()
    for feed in store.list_feeds():  # the clock moves on: every source is due again
        stack.client("dynamodb").update_item(
            TableName=store.table, Key={"feed_id": {"S": feed["feed_id"]}},
            UpdateExpression="SET next_poll_at = :zero", ExpressionAttributeValues={":zero": {"N": "0"}})
    runner.run_schedule()
    return baselines, runner.drain()


def delivery_rows(stack: LocalStack, endpoints: dict[str, str]) -> list[dict]:
    """Every webhook delivery of the demo's endpoints (URL -> subscription id), from the delivery log."""
    from gazette.adapters.delivery_log import DeliveryLog

    log = DeliveryLog(stack.client("dynamodb"), stack.tables["DeliveryLogTable"])
    rows = [{**row, "url": url} for url, sub_id in endpoints.items() for row in log.deliveries(sub_id)]
    return sorted(rows, key=lambda row: (row["url"], row["delivery_id"]))


def delivery_line(row: dict) -> str:
    status = f"HTTP {row['last_status']}" if row.get("last_status") is not None else "no answer"
    line = f"  webhook  {row['url']}  {row['delivery_id']}  {row['state']}  attempts {row['attempts']}  {status}"
    if row["state"] == "pending" and row.get("next_attempt_at"):
        line += f"  next attempt {row['next_attempt_at']}"
    return line


def await_first_retry(stack: LocalStack, runner: Runner, endpoints: dict[str, str], result: DemoResult,
                      stdout: TextIO) -> None:
    """Prints the webhook deliveries that failed, with status and next attempt; waits for the first retry.

    The first retry is seconds away, so the demo waits for it (at most FIRST_RETRY_LIMIT) and shows
    how each failed delivery ended: a flaky endpoint's recovery, or a failure that goes on.
    """
    failed = [row for row in delivery_rows(stack, endpoints) if row["state"] != "delivered"]
    result.webhook_failures = failed
    if not failed:
        return
    print(f"\nwebhook deliveries that failed ({len(failed)}):", file=stdout)
    for row in failed:
        print(delivery_line(row), file=stdout)
    due = [datetime.strptime(row["next_attempt_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
           for row in failed if row["state"] == "pending" and row.get("next_attempt_at")]
    wait = (max(due) - datetime.now(UTC)).total_seconds() if due else None
    if wait is None or wait > FIRST_RETRY_LIMIT:
        return
    print(f"waiting {max(wait, 0):.0f} s for the first retry ...", file=stdout)
    time.sleep(max(wait, 0) + 0.5)
    runner.drain()
    ids = {row["delivery_id"] for row in failed}
    print("after the first retry:", file=stdout)
    for row in delivery_rows(stack, endpoints):
        if row["delivery_id"] in ids:
            print(delivery_line(row), file=stdout)


def confirm_from_mail(stack: LocalStack, address: str, already: int) -> str:
    """Follows the confirmation link of the mail SES captured, as the reader would."""
    from gazette.adapters.subscription_store import SubscriptionStore

    for raw in sent_mail(stack.endpoint)[already:]:
        if address not in raw["destinations"]:
            continue
        message = email.message_from_string(raw["raw_data"], policy=policy.default)
        text = message.get_body(preferencelist=("plain",)).get_content()
        link = re.search(r"https?://\S+/confirm\?\S+", text)
        if link:
            query = parse_qs(urlsplit(link.group(0)).query)
            store = SubscriptionStore(stack.client("dynamodb"), stack.tables["SubscriptionsTable"],
                                      token_key=stack.token_key())
            store.confirm(query["s"][0], query["t"][0], datetime.now(UTC))
            return query["s"][0]
    raise RuntimeError(f"no confirmation mail reached {address}")


def write_mails(stack: LocalStack, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, raw in enumerate(sent_mail(stack.endpoint), start=1):
        message = email.message_from_string(raw["raw_data"], policy=policy.default)
        kind = "confirm" if "confirm" in (message.get("Message-ID") or "") else "alert"
        recipient = re.sub(r"[^A-Za-z0-9._-]", "_", str(message["To"]))
        path = folder / f"{index:03d}-{kind}-{recipient}.eml"
        path.write_text(raw["raw_data"], encoding="utf-8")
        paths.append(path)
    return paths


def run_demo(out: Path | None, emails: list[str], webhooks: list[str], stdout: TextIO) -> DemoResult:
    from gazette.adapters.dynamo import DocumentStore
    from gazette.adapters.mail import MailSender
    from gazette.adapters.subscription_store import SubscriptionStore
    from gazette.services.subscribe import subscribe_email, subscribe_webhook

    started = time.monotonic()
    folder = Path(out) if out else Path(tempfile.mkdtemp(prefix="gazette-demo-"))
    reused = folder.exists() and any(folder.iterdir())
    for sub in ("mail", "webhooks"):
        shutil.rmtree(folder / sub, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    print(f"output folder: {folder}" + (" (earlier results there were cleared: every run starts clean)"
                                        if reused else ""), file=stdout)
    if not emails and not webhooks:
        emails, webhooks = [DEFAULT_EMAIL], ["local"]
    result = DemoResult(out=folder)
    receiver = WebhookReceiver()

    with ExitStack() as stack_ctx:
        stack = stack_ctx.enter_context(embedded_aws({"AllowLoopback": "true", "PublicBaseUrl": LOCAL_API}))
        stack_ctx.enter_context(quiet_functions())
        print(f"embedded AWS (moto server) at {stack.endpoint}, resources from template.yaml", file=stdout)
        feeds_http = stack_ctx.enter_context(feed_server(project_root() / "events" / "feeds", earlier="earlier"))
        hooks_http = stack_ctx.enter_context(receiver.server())
        count = register_feeds(stack, project_root() / "events" / "feeds" / "registry.json", feeds_http.base_url)
        print(f"{count} source(s) served at {feeds_http.base_url}", file=stdout)

        dynamodb = stack.client("dynamodb")
        subscriptions = SubscriptionStore(dynamodb, stack.tables["SubscriptionsTable"], token_key=stack.token_key())
        mailer = MailSender(stack.client("sesv2"))
        sender = stack.parameters["SenderAddress"]
        for address in emails:
            already = len(sent_mail(stack.endpoint))
            subscribe_email(subscriptions, mailer, address=address, domains=ALL_DOMAINS, sender=sender,
                            base_url=LOCAL_API)
            confirm_from_mail(stack, address, already)
            print(f"subscribed {address} to every domain (confirmed through its confirmation mail)",
                  file=stdout)
        endpoints: dict[str, str] = {}
        for index, url in enumerate(webhooks):
            target = url
            if url == "local":
                target = f"{hooks_http.base_url}/hook/{index}"
            # The local stack allows loopback (and http) receivers; the SSRF guard still refuses the rest.
            created = subscribe_webhook(subscriptions, url=target, domains=ALL_DOMAINS,
                                        allow_loopback=stack.parameters["AllowLoopback"] == "true")
            endpoints[target] = created.subscription.subscription_id
            receiver.secrets[urlsplit(target).path] = created.webhook_secret or ""
            result.webhook_secrets[target] = created.webhook_secret or ""
            print(json.dumps({"webhook": target, "secret": created.webhook_secret}), file=stdout)

        runner = Runner(stack)
        baselines, invocations = watch_sources(stack, runner, feeds_http)
        print(f"first poll: {baselines} source(s) recorded their baseline, nobody alerted; then the local site "
              "published, and the second poll found what is new", file=stdout)
        await_first_retry(stack, runner, endpoints, result, stdout)
        result.webhook_deliveries = delivery_rows(stack, endpoints)

        documents = DocumentStore(dynamodb, stack.tables["DocumentsTable"]).scan_all()
        result.documents = sorted(documents, key=lambda d: (d.get("published") or "", d.get("doc_number") or ""))
        result.mails = write_mails(stack, folder / "mail")
        result.webhooks = receiver.write(folder / "webhooks")

    _print_documents(result.documents, stdout)
    print("\ndeliveries:", file=stdout)
    for path in result.mails:
        print(f"  mail     {path}", file=stdout)
    for path in result.webhooks:
        print(f"  webhook  {path}", file=stdout)
    for row in result.webhook_deliveries:  # endpoints of your own: what the delivery log says of each
        if row["url"] in webhooks:
            print(delivery_line(row), file=stdout)
    handled = ", ".join(f"{name.removesuffix('Function')} {n}" for name, n in invocations.counts.items())
    print(f"\nrecords handled: {handled}", file=stdout)
    print(f"done in {time.monotonic() - started:.1f} s; results in {folder}", file=stdout)
    return result


def _print_documents(documents: list[dict], stdout: TextIO) -> None:
    print(f"\n{len(documents)} documents stored:", file=stdout)
    header = f"  {'number':<22} {'issuer':<16} {'date':<10}  {'domains':<22} title"
    print(header, file=stdout)
    for doc in documents:
        domains = ",".join(doc.get("domains") or []) or "(none)"
        issuer = (doc.get("issuer") or "")[:14]
        print(f"  {doc.get('doc_number') or '-':<22} {issuer:<16} {doc.get('published') or '-':<10}  "
              f"{domains:<22} {doc['title'][:60]}", file=stdout)
