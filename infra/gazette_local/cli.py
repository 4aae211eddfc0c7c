"""The `gazette` command: the demo on the embedded stack, and the domain tools on files.

Every failure a user can cause prints one line on stderr and exits 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class UsageError(Exception):
    """A problem with what the user gave us: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as everywhere else
        raise UsageError(message)


def _read_input(path: str) -> tuple[bytes, str | None]:
    if path == "-":
        return sys.stdin.buffer.read(), None
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"{path}: {'not a file' if file.exists() else 'no such file'}")
    try:
        return file.read_bytes(), file.name
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from exc


def _documents_of(path: str) -> list[Any]:
    from gazette.domain.extract import ExtractionError, extract_text
    from gazette.domain.split import split_issue

    data, name = _read_input(path)
    try:
        extracted = extract_text(data, None, name)
    except ExtractionError as exc:
        raise UsageError(f"{path}: {exc}") from exc
    return split_issue(extracted.text)


def cmd_split(args: argparse.Namespace) -> int:
    for doc in _documents_of(args.file):
        print(json.dumps({
            "doc_number": doc.doc_number, "issuer": doc.issuer, "title": doc.title,
            "published": doc.published.isoformat() if doc.published else None, "text": doc.text,
            **({"split_warning": doc.split_warning} if doc.split_warning else {}),
        }, ensure_ascii=False))
    return 0


def _classification_json(identifier: Any, result: Any) -> dict[str, Any]:
    return {
        "id": identifier,
        "domains": list(result.domains),
        "scores": result.scores,
        "evidence": {
            domain: [{"term": e.term, "where": e.where, "count": e.count} for e in items]
            for domain, items in result.evidence.items()
        },
    }


def cmd_classify(args: argparse.Namespace) -> int:
    from gazette.domain.classify import default_classifier

    classifier = default_classifier()
    if args.jsonl:
        data, _ = _read_input(args.file)
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or "title" not in record:
                    raise ValueError("needs an object with id, title and body")
                title, body = str(record["title"]), str(record.get("body") or "")
            except ValueError as exc:
                raise UsageError(f"{args.file}:{number}: not a classification record ({exc})") from exc
            result = classifier.classify(title, body, record.get("doc_number"))
            print(json.dumps(_classification_json(record.get("id"), result), ensure_ascii=False))
        return 0
    for doc in _documents_of(args.file):
        result = classifier.classify(doc.title, doc.text, doc.doc_number)
        print(json.dumps({"title": doc.title, "doc_number": doc.doc_number,
                          **_classification_json(None, result)}, ensure_ascii=False))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from gazette.domain.classify import default_classifier
    from gazette.domain.evaluate import cross_validate, evaluate, format_report, load_jsonl, split
    from gazette.domain.taxonomy import load_taxonomy

    path = args.file or str(Path(__file__).resolve().parents[2] / "tests" / "data" / "devset.jsonl")
    if not Path(path).is_file():
        raise UsageError(f"{path}: {'not a file' if Path(path).exists() else 'no such file'}")
    try:
        records = load_jsonl(path)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc  # it names the file and the line
    classifier = default_classifier()
    tuned, untouched = split(records, "tune"), split(records, "untouched")
    if not tuned and not untouched:  # a set without splits: one report
        print(format_report(evaluate(classifier, records)))
        return 0
    # Three figures apart; the untouched split's errors are never printed (nobody tunes on them).
    print(f"== tuned split: {len(tuned)} records (the taxonomy is edited looking at these) ==")
    print(format_report(evaluate(classifier, tuned)))
    print(f"\n== untouched split: {len(untouched)} records (validation; figures only) ==")
    print(format_report(evaluate(classifier, untouched), errors=False))
    print(f"\n== 5-fold cross-validation on the tuned split: {len(tuned)} records "
          "(each fold without the terms only it justifies) ==")
    print(format_report(cross_validate(load_taxonomy(), tuned), errors=False))
    return 0


def cmd_eval_split(args: argparse.Namespace) -> int:
    from gazette_local.split_corpus import CorpusError, format_report, load_corpus, report, score_corpus

    try:
        scored = score_corpus(load_corpus(Path(args.dir)))
    except CorpusError as exc:
        raise UsageError(str(exc)) from exc
    data = report(scored, show_held_out=args.show_held_out)
    print(json.dumps(data, ensure_ascii=False, indent=1) if args.json else format_report(data))
    return 0 if data["meets_targets"] else 1


def cmd_feed_inspect(args: argparse.Namespace) -> int:
    from gazette.adapters.http import FetchError, fetch
    from gazette.domain.feeds import FeedParseError, parse_feed
    from gazette.domain.urlguard import UnsafeURLError

    source = args.source
    headers: dict[str, str] = {}
    if source.startswith(("http://", "https://")):
        try:
            result = fetch(source, allow_loopback=args.allow_loopback)
        except UnsafeURLError as exc:
            raise UsageError(f"{source}: refused: {exc}") from exc
        except FetchError as exc:
            raise UsageError(f"{source}: {exc}") from exc
        if not 200 <= result.status < 300:
            raise UsageError(f"{source}: HTTP {result.status}")
        body, headers = result.body, result.headers
    else:
        body, _ = _read_input(source)
    try:
        parsed = parse_feed(body, headers, feed_url=source)
    except FeedParseError as exc:
        raise UsageError(f"{source}: {exc}") from exc
    for entry in parsed.entries:
        print(json.dumps({
            "id": entry.entry_id, "title": entry.title, "link": entry.link,
            "published": entry.published.isoformat() if entry.published else None,
            "encoding": parsed.encoding, "bozo": parsed.bozo_reason,
        }, ensure_ascii=False))
    return 0


def stored_source(feed: Any) -> dict[str, Any]:
    """A registry entry as the feeds table keeps it: its configuration and, for a list source, the
    extraction spec (JSON) the poller reads it with."""
    item = feed.model_dump()
    if feed.type != "feed":
        item["source_spec"] = feed.source_spec().model_dump_json()
    return item


def cmd_feeds_load(args: argparse.Namespace) -> int:
    import os

    import boto3

    from gazette.adapters.dynamo import FeedStore
    from gazette.adapters.errors import StoreError
    from gazette.domain.registry import RegistryError, load_registry

    table = args.table or os.environ.get("FEEDS_TABLE")
    if not table:
        raise UsageError("no feeds table: pass --table NAME or set FEEDS_TABLE")
    try:
        feeds = load_registry(args.file)
    except RegistryError as exc:
        raise UsageError(str(exc)) from exc
    store = FeedStore(boto3.client("dynamodb"), table)
    try:
        for feed in feeds:
            store.put_feed(stored_source(feed))
        shared = store.mark_shared_hosts()
    except StoreError as exc:
        cause = exc.__cause__
        raise UsageError(f"{table}: {exc} ({type(cause).__name__ if cause else 'unknown cause'})") from exc
    print(f"{len(feeds)} feeds written to {table}")
    for host, count in sorted(shared.items()):
        print(f"{host}: {count} sources share this host; it gets one request at a time, spaced by HostMinInterval")
    return 0


def _item_date(entry: Any) -> str | None:
    if entry.published is None:
        return None
    return entry.published.date().isoformat() if entry.date_only else entry.published.isoformat()


def cmd_feeds_try(args: argparse.Namespace) -> int:
    from functools import partial

    from gazette.adapters.http import FetchError, fetch
    from gazette.domain.feeds import FeedParseError
    from gazette.domain.politeness import bot_protection
    from gazette.domain.registry import RegistryError, load_registry
    from gazette.domain.sources import SourceLayoutError
    from gazette.domain.urlguard import UnsafeURLError
    from gazette.services.sources import FollowError, source_items

    try:
        feeds = load_registry(args.registry)
    except RegistryError as exc:
        raise UsageError(str(exc)) from exc
    feed = next((f for f in feeds if f.feed_id == args.feed_id), None)
    if feed is None:
        raise UsageError(f"{args.registry}: no feed_id {args.feed_id!r} in it")
    get = partial(fetch, allow_loopback=args.allow_loopback)
    try:
        first = get(feed.url)
    except UnsafeURLError as exc:
        raise UsageError(f"{feed.url}: {exc}") from exc
    except FetchError as exc:
        raise UsageError(f"{feed.url}: {exc}") from exc
    blocked = bot_protection(first.status, first.headers, first.body)
    if blocked:
        raise UsageError(f"{feed.url}: {blocked}")
    if not 200 <= first.status < 300:
        raise UsageError(f"{feed.url}: HTTP {first.status}")
    try:
        items = source_items(feed.source_spec(), first, get, feed_key=feed.feed_id)
    except UnsafeURLError as exc:
        raise UsageError(f"{feed.feed_id}: a followed link was refused: {exc}") from exc
    except (FetchError, FollowError) as exc:
        raise UsageError(f"{feed.feed_id}: a followed page could not be read: {exc}") from exc
    except (FeedParseError, SourceLayoutError) as exc:
        raise UsageError(f"{feed.url}: {exc}") from exc
    if not items.entries:
        raise UsageError(f"{feed.url}: the source yields nothing")
    for problem in items.problems:
        print(f"gazette: skipped: {problem}", file=sys.stderr)
    for entry in items.entries:
        print(json.dumps({"id": entry.entry_id, "title": entry.title, "link": entry.link,
                          "published": _item_date(entry)}, ensure_ascii=False))
    return 0


def cmd_tokens_migrate(args: argparse.Namespace) -> int:
    """Upgrades subscription rows written before tokens were stored as keyed hashes (safe to rerun)."""
    import os

    import boto3

    from gazette.adapters.errors import StoreError
    from gazette.adapters.secrets import token_key
    from gazette.adapters.subscription_store import SubscriptionStore

    table = args.table or os.environ.get("SUBSCRIPTIONS_TABLE")
    secret = args.secret_id or os.environ.get("TOKEN_KEY_SECRET_ARN")
    if not table or not secret:
        raise UsageError("pass --table NAME and --secret-id ARN (or set SUBSCRIPTIONS_TABLE and TOKEN_KEY_SECRET_ARN)")
    try:
        store = SubscriptionStore(boto3.client("dynamodb"), table,
                                  token_key=token_key(boto3.client("secretsmanager"), secret))
        counts = store.migrate_tokens()
    except StoreError as exc:
        cause = exc.__cause__
        raise UsageError(f"{table}: {exc} ({type(cause).__name__ if cause else 'unknown cause'})") from exc
    print(f"{counts['subscriptions']} subscriptions and {counts['domain_rows']} index rows upgraded in {table}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from gazette_local.demo import run_demo

    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise UsageError(f"{args.out}: exists and is not a folder")
    from gazette.domain.urlguard import UnsafeURLError, check_url

    # Refused before anything starts: a bad URL should not cost a stack and a feed server first.
    for url in args.webhook or []:
        if url == "local":
            continue
        try:
            check_url(url, allow_loopback=True)
        except UnsafeURLError as exc:
            raise UsageError(f"--webhook {url}: {exc}") from exc
        except OSError as exc:
            raise UsageError(f"--webhook {url}: the host does not resolve") from exc
    try:
        run_demo(out, args.email or [], args.webhook or [], sys.stdout)
    except UnsafeURLError as exc:
        raise UsageError(f"--webhook: {exc}") from exc
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from gazette_local.serve import ServeError, run_serve

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: not a port number (0 picks a free one)")
    if args.interval <= 0:
        raise UsageError(f"--interval {args.interval:g}: must be more than 0 seconds")
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise UsageError(f"{args.out}: exists and is not a folder")
    try:
        run_serve(args.port, out, pipeline=not args.no_pipeline, interval=args.interval, stdout=sys.stdout)
    except ServeError as exc:
        raise UsageError(str(exc)) from exc
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gazette", description="Gazette alerts: watch, split, classify, notify.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = commands.add_parser("demo", help="run the whole pipeline on the embedded AWS")
    demo.add_argument("--out", help="folder for the mails and webhook calls (default: a new temporary one)")
    demo.add_argument("--email", action="append", help="subscribe this address to every domain (repeatable)")
    demo.add_argument("--webhook", action="append",
                      help="subscribe this URL to every domain (repeatable; 'local' for a built-in receiver)")
    demo.set_defaults(run=cmd_demo)

    serve = commands.add_parser("serve", help="serve the HTTP API and pages on 127.0.0.1 over the embedded AWS")
    serve.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000; 0 picks a free one)")
    serve.add_argument("--out", help="folder the mails are written to as .eml (default: a new temporary one)")
    serve.add_argument("--no-pipeline", action="store_true", help="do not run the pipeline in the background")
    serve.add_argument("--interval", type=float, default=30.0, help="seconds between pipeline runs (default 30)")
    serve.set_defaults(run=cmd_serve)

    split = commands.add_parser("split", help="split a gazette issue (text, HTML or PDF) into documents")
    split.add_argument("file", help="the issue; - reads standard input")
    split.set_defaults(run=cmd_split)

    classify = commands.add_parser("classify", help="classify documents by domain, with evidence")
    classify.add_argument("file", help="text, HTML or PDF; with --jsonl, lines of {id, title, body}")
    classify.add_argument("--jsonl", action="store_true", help="read JSON lines and write JSON lines")
    classify.set_defaults(run=cmd_classify)

    evaluate = commands.add_parser("eval", help="precision, recall and F1 on a labelled set")
    evaluate.add_argument("file", nargs="?", help="JSON lines with domains (default: the development set)")
    evaluate.set_defaults(run=cmd_eval)

    eval_split = commands.add_parser(
        "eval-split", help="score the splitter on a gazette corpus; exit 1 when below the targets")
    eval_split.add_argument("dir", help="a corpus folder with manifest.json (e.g. tests/data/gazettes)")
    eval_split.add_argument("--json", action="store_true", help="the whole report as JSON")
    eval_split.add_argument("--show-held-out", action="store_true",
                            help="also list what goes wrong on held-out issues (not while tuning)")
    eval_split.set_defaults(run=cmd_eval_split)

    feeds = commands.add_parser("feeds", help="the feed registry")
    feeds_commands = feeds.add_subparsers(dest="feeds_command", required=True, parser_class=_Parser)
    load = feeds_commands.add_parser("load", help="write a registry file (YAML or JSON) to the feeds table")
    load.add_argument("file", help="e.g. infra/feeds.yaml")
    load.add_argument("--table", help="the feeds table (default: $FEEDS_TABLE)")
    load.set_defaults(run=cmd_feeds_load)
    attempt = feeds_commands.add_parser("try", help="what one registry source yields now, one JSON line per item")
    attempt.add_argument("registry", help="a registry file, e.g. infra/feeds.yaml")
    attempt.add_argument("feed_id", help="the feed_id of the source to try")
    attempt.add_argument("--allow-loopback", action="store_true", help="let the source be on 127.0.0.1")
    attempt.set_defaults(run=cmd_feeds_try)

    tokens = commands.add_parser("tokens", help="subscription tokens at rest")
    tokens_commands = tokens.add_subparsers(dest="tokens_command", required=True, parser_class=_Parser)
    migrate = tokens_commands.add_parser("migrate", help="store old rows' tokens as keyed hashes (idempotent)")
    migrate.add_argument("--table", help="the subscriptions table (default: $SUBSCRIPTIONS_TABLE)")
    migrate.add_argument("--secret-id", help="the token key's secret (default: $TOKEN_KEY_SECRET_ARN)")
    migrate.set_defaults(run=cmd_tokens_migrate)

    feed = commands.add_parser("feed", help="feed tools")
    feed_commands = feed.add_subparsers(dest="feed_command", required=True, parser_class=_Parser)
    inspect = feed_commands.add_parser("inspect", help="what the poller would extract from a feed")
    inspect.add_argument("source", help="a URL or a file; - reads standard input")
    inspect.add_argument("--allow-loopback", action="store_true", help="let the URL be on 127.0.0.1")
    inspect.set_defaults(run=cmd_feed_inspect)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except UsageError as exc:
        print(f"gazette: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gazette: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
