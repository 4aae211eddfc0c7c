"""`python -m benchmarks.pipeline FEEDS_DIR OUT.json [--profile]`: the real pipeline in a process of its own.

moto's server and the feed host run in other processes, so this process's CPU (time.process_time) is
our handlers, the AWS SDK building and parsing requests, and the local runner that plays Lambda. The
runner's share is measured apart: its own SQS/stream clients are counted and timed separately, and
each handler invocation is timed on its own.

Two passes over every feed in FEEDS_DIR: the first finds every entry new (poll, ingest, store,
publish, mail), the second, with every feed made due again, finds every feed unchanged (304).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import CallCounter, feed_hosts, moto_server, write_json

ALL_DOMAINS = ["bidding", "consumption", "disasters", "science"]
SUBSCRIBER = "bench.reader@example.org"


class _Timed:
    """A client whose calls add their CPU time to a shared total."""

    def __init__(self, client: Any, total: list[float]) -> None:
        self._client = client
        self._total = total

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return attr(*args, **kwargs)
            finally:
                self._total[0] += time.process_time() - start

        return call


def _subscribe(stack: Any, client: Any) -> None:
    from gazette.adapters.subscription_store import SubscriptionStore
    from gazette.domain.subscriptions import (
        Channel,
        Mode,
        Narrowing,
        State,
        Subscription,
        new_subscription_id,
        new_token,
    )

    store = SubscriptionStore(client, stack.tables["SubscriptionsTable"], token_key=stack.token_key())
    subscription = Subscription(
        subscription_id=new_subscription_id(), channel=Channel.EMAIL, target=SUBSCRIBER,
        domains=tuple(ALL_DOMAINS), mode=Mode.INSTANT, locale="zh", narrowing=Narrowing(),
        state=State.PENDING, unsubscribe_token=new_token(),
    )
    token = new_token()
    now = datetime.now(UTC)
    store.create_pending(subscription, confirm_token=token, confirm_expires_at=now + timedelta(days=1),
                         manage_token=new_token())
    store.confirm(subscription.subscription_id, token, now)


def run(feeds_dir: Path, profile: bool) -> dict[str, Any]:
    names = sorted(p.name for p in feeds_dir.glob("*.xml"))
    result: dict[str, Any] = {"feeds": len(names)}
    with moto_server() as endpoint, feed_hosts(feeds_dir, len(names)) as bases:
        from gazette_local.stack import create_stack

        # Each feed on a loopback address of its own, as each source has its site; no source shares a
        # host, so the politeness interval (0 here) never applies.
        stack = create_stack(endpoint, {"AllowLoopback": "true", "PublicBaseUrl": "http://127.0.0.1:8000",
                                        "HostMinInterval": "0"})
        with stack.activated():
            result.update(_run_in_stack(stack, names, bases, profile))
    return result


def _run_in_stack(stack: Any, names: list[str], bases: list[str], profile: bool) -> dict[str, Any]:
    import boto3

    from gazette.adapters import http as http_adapter
    from gazette.adapters.dynamo import FeedStore
    from gazette_local.runner import Runner

    setup = stack.client("dynamodb")  # created before the counters: setup calls are not counted
    feeds = FeedStore(setup, stack.tables["FeedsTable"])
    for name, base_url in zip(names, bases, strict=True):
        feeds.put_feed({"feed_id": name.removesuffix(".xml"), "url": f"{base_url}/{name}", "name": name,
                        "issuer": "基准测试发布机关", "language": "zh-Hans", "min_interval": 900,
                        "fetch_link": False})
        # Watched before these entries appeared (a first poll would only record a baseline).
        setup.update_item(TableName=stack.tables["FeedsTable"], Key={"feed_id": {"S": name.removesuffix(".xml")}},
                          UpdateExpression="SET last_success_at = :then",
                          ExpressionAttributeValues={":then": {"S": "2024-01-01T00:00:00+00:00"}})
    _subscribe(stack, setup)

    runner = Runner(stack, max_rounds=10_000_000)  # imports every handler module (cold start, not timed)
    current = ["runner"]
    handlers = CallCounter(label=lambda: current[0])
    runner_calls = CallCounter(label=lambda: "runner")
    runner_calls.attach(runner.sqs.meta.events)
    runner_calls.attach(runner.streams.meta.events)
    # Clients built from now on (the handlers build theirs at their first invocation) report here.
    boto3.DEFAULT_SESSION.events.register("before-call", handlers.hook)
    # What each invocation waited on, thread by thread: [AWS requests, HTTP requests] per thread,
    # the handler's own thread first. The cost model turns these into billed duration.
    chains: dict[int, list[int]] = {}
    chains_by_fn: dict[str, list[list[list[int]]]] = {}
    main_thread = [0]
    chain_lock = threading.Lock()

    def chain(kind: int) -> None:
        with chain_lock:
            chains.setdefault(threading.get_ident(), [0, 0])[kind] += 1

    boto3.DEFAULT_SESSION.events.register("before-call", lambda **_: current[0] != "runner" and chain(0))
    empty_receives = [0]
    receive = runner.sqs.receive_message

    def counted_receive(**kwargs: Any) -> Any:
        answer = receive(**kwargs)
        if not answer.get("Messages"):
            empty_receives[0] += 1
        return answer

    runner.sqs.receive_message = counted_receive
    runner_aws_cpu = [0.0]
    runner.sqs = _Timed(runner.sqs, runner_aws_cpu)
    runner.streams = _Timed(runner.streams, runner_aws_cpu)

    cpu_by_fn: Counter = Counter()
    wall_by_fn: Counter = Counter()
    invocations: Counter = Counter()
    http_calls: Counter = Counter()
    original_invoke = runner.invoke
    original_fetch = http_adapter.fetch

    def invoke(logical_id: str, event: dict[str, Any]) -> Any:
        current[0] = logical_id
        invocations[logical_id] += 1
        chains.clear()
        main_thread[0] = threading.get_ident()
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return original_invoke(logical_id, event)
        finally:
            cpu_by_fn[logical_id] += time.process_time() - cpu
            wall_by_fn[logical_id] += time.perf_counter() - wall
            current[0] = "runner"
            with chain_lock:
                own = chains.pop(main_thread[0], [0, 0])
                chains_by_fn.setdefault(logical_id, []).append([own, *chains.values()])

    def fetch(*args: Any, **kwargs: Any) -> Any:
        http_calls[current[0]] += 1
        chain(1)
        return original_fetch(*args, **kwargs)

    runner.invoke = invoke  # type: ignore[method-assign]
    http_adapter.fetch = fetch

    def measured_pass(with_profile: bool) -> dict[str, Any]:
        for counter in (handlers, runner_calls):
            counter.reset()
        for tally in (cpu_by_fn, wall_by_fn, invocations, http_calls, chains_by_fn):
            tally.clear()
        runner_aws_cpu[0] = empty_receives[0] = 0
        profiler = cProfile.Profile(time.process_time) if with_profile else None  # CPU, not wall
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        runner.run_schedule()
        runner.drain()
        if profiler:
            profiler.disable()
        out = {
            "cpu": time.process_time() - cpu,
            "wall": time.perf_counter() - wall,
            "cpu_by_function": dict(cpu_by_fn),
            "wall_by_function": dict(wall_by_fn),
            "invocations": dict(invocations),
            "runner_aws_cpu": runner_aws_cpu[0],
            "calls": {label: dict(ops) for label, ops in handlers.by_label().items()},
            "runner_calls": dict(runner_calls.by_label().get("runner", {})),
            "runner_empty_receives": empty_receives[0],
            "http_requests": dict(http_calls),
            "chains": {logical: list(per_invocation) for logical, per_invocation in chains_by_fn.items()},
        }
        if profiler:
            out["profile"] = _top(profiler)
        return out

    first = measured_pass(profile)
    current[0] = "after"
    documents = setup.scan(TableName=stack.tables["DocumentsTable"], Select="COUNT")["Count"]
    first["documents"] = documents
    first["documents_with_domain"] = setup.scan(
        TableName=stack.tables["DocumentsTable"], Select="COUNT", FilterExpression="domain_count > :zero",
        ExpressionAttributeValues={":zero": {"N": "0"}})["Count"]
    first["mails"] = first["calls"].get("MailerFunction", {}).get("sesv2.SendEmail", 0)

    # Every feed due again: the second pass finds them all unchanged (the feed host answers 304).
    for name in names:
        setup.update_item(TableName=stack.tables["FeedsTable"], Key={"feed_id": {"S": name.removesuffix(".xml")}},
                          UpdateExpression="SET next_poll_at = :zero", ExpressionAttributeValues={":zero": {"N": "0"}})
    second = measured_pass(False)
    return {"new": first, "unchanged": second}


CATEGORIES = (  # first match wins: where the CPU goes, by the code that spends it
    ("AWS SDK (botocore, boto3)", ("/botocore/", "/boto3/", "/s3transfer/")),
    ("HTTP client (urllib3, http.client, socket, ssl)", ("/urllib3/", "/http/client.py", "/socket.py", "/ssl.py",
                                                         "_socket", "select.")),
    ("Powertools (batch, idempotency, logger, metrics)", ("/aws_lambda_powertools/",)),
    ("pydantic", ("/pydantic/", "/pydantic_core/", "pydantic_core")),
    ("email (stdlib MIME)", ("/email/",)),
    ("jinja2, markupsafe, nh3", ("/jinja2/", "/markupsafe/", "nh3")),
    ("feedparser, sgmllib", ("/feedparser/", "sgmllib")),
    ("json (stdlib)", ("/json/", "_json")),
    ("gazette domain", ("/gazette/domain/",)),
    ("gazette services, adapters, handlers", ("/gazette/",)),
    ("local runner (gazette_local)", ("/gazette_local/",)),
    ("benchmark harness", ("/benchmarks/",)),
    ("logging (stdlib)", ("/logging/",)),
)


def _category(filename: str, function: str) -> str:
    where = f"{filename} {function}"
    for name, needles in CATEGORIES:
        if any(needle in where for needle in needles):
            return name
    return "other (stdlib, builtins)"


def _breakdown(profiler: cProfile.Profile) -> dict[str, float]:
    """Own CPU time (tottime) summed by the package that spends it, as fractions of the total."""
    stats = pstats.Stats(profiler)
    totals: Counter = Counter()
    for (filename, _line, function), (_cc, _nc, tottime, _ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if filename == "~" and callers:  # a builtin (str.join, len, ...): charged to whoever called it
            for (caller_file, _l, caller_fn), edge in callers.items():
                totals[_category(caller_file, caller_fn)] += edge[2]
        else:
            totals[_category(filename, function)] += tottime
    whole = sum(totals.values()) or 1.0
    return {name: round(value / whole, 4) for name, value in totals.most_common()}


def _top(profiler: cProfile.Profile, limit: int = 30) -> dict[str, Any]:
    out: dict[str, Any] = {"by_package": _breakdown(profiler)}
    for key in ("cumulative", "tottime"):
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.strip_dirs().sort_stats(key).print_stats(limit)
        out[key] = stream.getvalue()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("feeds_dir", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    # As deployed: INFO logs and EMF metrics are written (to stdout, which the parent discards).
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "gazette")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "GazetteAlerts")
    write_json(args.out, run(args.feeds_dir, args.profile))


if __name__ == "__main__":
    main()
