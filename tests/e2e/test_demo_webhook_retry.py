"""`gazette demo --webhook URL` against a flaky endpoint: the failures shown, then the recovery."""

from __future__ import annotations

import io
import re
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gazette_local.demo import run_demo

pytestmark = pytest.mark.e2e


class FailsOnce:
    """Answers 500 to the first POST of each webhook-id and 200 to every later one."""

    def __init__(self) -> None:
        self.answers: list[tuple[str, int]] = []

    def __enter__(self) -> str:
        flaky = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                webhook_id = self.headers["webhook-id"]
                status = 200 if any(seen == webhook_id for seen, _ in flaky.answers) else 500
                flaky.answers.append((webhook_id, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/gazette"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def flaky_demo(tmp_path_factory):
    endpoint = FailsOnce()
    with endpoint as url:
        printed = io.StringIO()
        result = run_demo(tmp_path_factory.mktemp("flaky"), [], [url], printed)
    return url, result, printed.getvalue().splitlines(), endpoint.answers


def _stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def test_demo_with_a_flaky_webhook_prints_each_failed_delivery_with_its_status_and_next_attempt(flaky_demo):
    url, result, lines, _answers = flaky_demo
    failed = result.webhook_failures
    start = lines.index(f"webhook deliveries that failed ({len(failed)}):")

    # One event per stored document with a domain (the webhook wants every domain), each failed once.
    assert len(failed) == len([d for d in result.documents if d.get("domains")]) == 7
    assert lines[start + 1:start + 1 + len(failed)] == [
        f"  webhook  {url}  {row['delivery_id']}  pending  attempts 1  HTTP 500  next attempt {row['next_attempt_at']}"
        for row in failed
    ]
    # the first retry of the schedule: 5 s with its jitter of a tenth either way
    assert all(4.5 <= (_stamp(r["next_attempt_at"]) - _stamp(r["last_attempt_at"])).total_seconds() <= 5.5
               for r in failed)


def test_demo_with_a_flaky_webhook_waits_for_the_first_retry_and_prints_the_recovery(flaky_demo):
    url, result, lines, answers = flaky_demo
    failed = result.webhook_failures
    start = lines.index(f"webhook deliveries that failed ({len(failed)}):") + 1 + len(failed)

    assert re.fullmatch(r"waiting \d+ s for the first retry \.\.\.", lines[start])
    assert lines[start + 1:start + 2 + len(failed)] == ["after the first retry:"] + [
        f"  webhook  {url}  {row['delivery_id']}  delivered  attempts 2  HTTP 200" for row in failed
    ]
    assert sorted(answers) == sorted([(row["delivery_id"], 500) for row in failed]
                                     + [(row["delivery_id"], 200) for row in failed])


def test_demo_lists_the_deliveries_to_an_endpoint_of_your_own_as_its_log_ends(flaky_demo):
    url, result, lines, _answers = flaky_demo
    start = lines.index("deliveries:")

    count = len(result.webhook_failures)
    assert lines[start + 1:start + 1 + count] == [
        f"  webhook  {url}  {row['delivery_id']}  delivered  attempts 2  HTTP 200" for row in result.webhook_failures]
    assert lines[start + 1 + count] == ""
