"""Peak RSS per stage: the pipeline once more, every handler invocation in a fresh process of its own."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, VENV_PY, feed_host, moto_server, run_measured
from benchmarks.corpus import write_feeds
from benchmarks.pipeline import ALL_DOMAINS, _subscribe


def run(feeds: int, per_feed: int) -> dict[str, Any]:
    from gazette_local.servers import WebhookReceiver

    work = Path(tempfile.mkdtemp(prefix="bench-stages-"))
    try:
        feeds_dir = work / "feeds"
        names = write_feeds(feeds_dir, feeds, per_feed)
        # The heaviest real entry: a whole gazette issue behind the entry's link, split into 7 documents.
        (feeds_dir / "documents").mkdir()
        shutil.copy(ROOT / "tests" / "fixtures" / "wendeng-2024-02.txt", feeds_dir / "documents")
        shutil.copy(ROOT / "events" / "feeds" / "wendeng.xml", feeds_dir / "wendeng.xml")
        peaks: dict[str, dict[str, float]] = {}
        receiver = WebhookReceiver()
        with moto_server() as endpoint, feed_host(feeds_dir) as base_url, receiver.server() as hooks:
            from gazette.adapters.dynamo import FeedStore
            from gazette.adapters.subscription_store import SubscriptionStore
            from gazette.services.subscribe import subscribe_webhook
            from gazette_local.stack import create_stack

            stack = create_stack(endpoint, {"AllowLoopback": "true", "PublicBaseUrl": "http://127.0.0.1:8000",
                                            "HostMinInterval": "0"})
            with stack.activated():
                dynamodb = stack.client("dynamodb")
                store = FeedStore(dynamodb, stack.tables["FeedsTable"])
                for name in names:
                    store.put_feed({"feed_id": name.removesuffix(".xml"), "url": f"{base_url}/{name}",
                                    "fetch_link": False, "issuer": "基准测试发布机关"})
                store.put_feed({"feed_id": "wendeng", "url": f"{base_url}/wendeng.xml", "fetch_link": True,
                                "issuer": "威海市文登区人民政府"})
                for feed_id in [name.removesuffix(".xml") for name in names] + ["wendeng"]:
                    # Watched before these entries appeared (a first poll would only record a baseline).
                    dynamodb.update_item(TableName=store.table, Key={"feed_id": {"S": feed_id}},
                                         UpdateExpression="SET last_success_at = :then",
                                         ExpressionAttributeValues={":then": {"S": "2024-01-01T00:00:00+00:00"}})
                _subscribe(stack, dynamodb)
                target = f"{hooks.base_url}/hook/0"
                created = subscribe_webhook(SubscriptionStore(dynamodb, stack.tables["SubscriptionsTable"],
                                                              token_key=stack.token_key()),
                                            url=target, domains=ALL_DOMAINS, allow_loopback=True)
                receiver.secrets["/hook/0"] = created.webhook_secret or ""
                env = {**os.environ, "POWERTOOLS_LOG_LEVEL": "INFO", "POWERTOOLS_SERVICE_NAME": "gazette"}
                runner = _make_runner_class()(stack, env, work, peaks)
                runner.run_schedule()
                runner.drain()
        return {"stages": peaks, "webhooks_received": len(receiver.received)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def memory_setting(logical_id: str) -> int:
    """The function's MemorySize in template.yaml (its own, else the Globals')."""
    from gazette_local.template import load_template, resources_of_type

    template = load_template()
    own = resources_of_type(template, "AWS::Serverless::Function").get(logical_id, {}).get("Properties", {})
    return int(own.get("MemorySize") or template.get("Globals", {}).get("Function", {}).get("MemorySize", 128))


def _make_runner_class() -> type:
    from gazette_local.runner import Runner

    class SubprocessRunner(Runner):
        def __init__(self, stack: Any, env: dict[str, str], work: Path, peaks: dict[str, dict[str, float]]) -> None:
            self._env, self._work, self._peaks, self._n = env, work, peaks, 0
            super().__init__(stack, max_rounds=100_000)

        def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
            self._n += 1
            event_path = self._work / f"event-{self._n}.json"
            result_path = self._work / f"result-{self._n}.json"
            event_path.write_text(json.dumps(event, default=str), encoding="utf-8")
            handler = self.stack.functions[logical_id].handler
            code, _usage, err = run_measured([str(VENV_PY), "-m", "benchmarks.invoke", handler, str(event_path),
                                             str(result_path)], env=self._env)
            if code != 0:
                raise RuntimeError(f"{logical_id} failed in its own process: {err[-500:]}")
            data = json.loads(result_path.read_text(encoding="utf-8"))
            peak = self._peaks.setdefault(logical_id, {"maxrss_mb": 0.0, "invocations": 0, "records": 0,
                                                       "init_s": 0.0})
            peak["maxrss_mb"] = max(peak["maxrss_mb"], data["peak_rss_mb"])
            peak["init_s"] = max(peak["init_s"], data["import_s"])
            peak["invocations"] += 1
            peak["records"] += len(event.get("Records", [])) or 1
            peak["memory_setting_mb"] = memory_setting(logical_id)
            return data["result"]

    return SubprocessRunner
