"""`gazette serve`: the HTTP API and the pages on 127.0.0.1, over the embedded AWS.

Each HTTP request becomes the API Gateway HTTP API (payload 2.0) event that AWS would send, and is
handled in-process by the same Lambda handler (`gazette.handlers.api.lambda_handler`). Requests are
handled one at a time, as by a single Lambda instance: the resolver keeps per-request state. Every
mail SES accepts is written as an `.eml` file under `<out>/mail` as soon as it is sent, so a person
can subscribe on the page, open the confirmation mail, confirm and unsubscribe by hand. Optionally
the pipeline runs in a background thread, so the sample feed's documents flow and alerts go out.
"""

from __future__ import annotations

import base64
import email
import importlib
import re
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qs, unquote, urlsplit

from gazette_local.demo import embedded_aws, project_root, quiet_functions, register_feeds, watch_sources
from gazette_local.runner import LambdaContext, Runner, sent_mail
from gazette_local.servers import FeedHost, feed_server
from gazette_local.stack import LocalStack

API_FUNCTION = "ApiFunction"
MAX_BODY = 1024 * 1024  # API Gateway allows 10 MB; nothing of ours needs more than this


class ServeError(Exception):
    """Cannot serve (the port is taken, the folder is unusable): one line for the user."""


# ------------------------------------------------------------------------------ HTTP -> event
def http_event(method: str, target: str, headers: list[tuple[str, str]], body: bytes, *, port: int) -> dict[str, Any]:
    """The API Gateway HTTP API payload 2.0 event for one HTTP request."""
    parts = urlsplit(target)
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    query = {key: ",".join(values) for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    try:
        text: str | None = body.decode("utf-8") if body else None
        encoded = False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path or "/",
        "rawQueryString": parts.query,
        "headers": merged,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": f"127.0.0.1:{port}",
            "domainPrefix": "127",
            "http": {"method": method, "path": unquote(parts.path or "/"), "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": merged.get("user-agent", "")},
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": encoded,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if text is not None:
        event["body"] = text
    return event


# ------------------------------------------------------------------------------ mails as files
@dataclass
class Mailbox:
    """Writes each mail SES accepted as an .eml file, once, in the order they were sent."""

    endpoint: str
    folder: Path
    written: list[Path] = field(default_factory=list)

    def collect(self) -> list[Path]:
        self.folder.mkdir(parents=True, exist_ok=True)
        new = []
        for index, raw in enumerate(sent_mail(self.endpoint)[len(self.written):], start=len(self.written) + 1):
            message = email.message_from_string(raw["raw_data"], policy=policy.default)
            kind = "confirm" if "confirm" in (message.get("Message-ID") or "") else "alert"
            recipient = re.sub(r"[^A-Za-z0-9._-]", "_", str(message["To"]))[:64]
            path = self.folder / f"{index:03d}-{kind}-{recipient}.eml"
            path.write_text(raw["raw_data"], encoding="utf-8")
            self.written.append(path)
            new.append(path)
        return new


# ------------------------------------------------------------------------------ the server
@dataclass
class LocalApi:
    stack: LocalStack
    base_url: str
    out: Path
    mailbox: Mailbox
    runner: Runner
    lock: threading.Lock
    site: FeedHost | None = None  # the local site; it publishes its new issue after the first run

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        spec = self.stack.functions[API_FUNCTION]
        module_name, function_name = spec.handler.rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), function_name)
        with self.lock:
            result = handler(event, LambdaContext(function_name=f"gazette-local-{API_FUNCTION}"))
            if event["requestContext"]["http"]["method"] != "GET":
                self.mailbox.collect()
        return result

    def run_pipeline(self) -> None:
        """One scheduler tick, then every queue and stream drained; new mails written out.

        The first run records each source's baseline, then the local site publishes and the sources
        are polled again (see demo.watch_sources), so the pages have documents from the start.
        """
        with self.lock:
            if self.site is not None and not self.site.published.is_set():
                watch_sources(self.stack, self.runner, self.site)
            else:
                self.runner.run_schedule()
                self.runner.drain()
            self.mailbox.collect()


def _request_handler(api: LocalApi, port: int) -> type[BaseHTTPRequestHandler]:
    class ApiRequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "gazette-local"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _handle(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                self._plain(400, "bad Content-Length")
                return
            if length < 0 or length > MAX_BODY:
                self._plain(413, "request body too large")
                return
            body = self.rfile.read(length) if length else b""
            event = http_event(self.command, self.path, list(self.headers.items()), body, port=port)
            try:
                result = api.invoke(event)
            except Exception as exc:  # the local server's own failure: answer it, as API Gateway would
                print(f"gazette serve: request failed: {type(exc).__name__}: {exc}", file=sys.stderr)
                self._plain(502, "the function failed")
                return
            payload = result.get("body") or ""
            data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode("utf-8")
            self.send_response(int(result.get("statusCode", 200)))
            for name, value in (result.get("headers") or {}).items():
                if name.lower() not in {"content-length", "connection", "transfer-encoding"}:
                    self.send_header(name, str(value))
            for cookie in result.get("cookies") or []:
                self.send_header("Set-Cookie", cookie)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _plain(self, status: int, message: str) -> None:
            data = message.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        def __getattr__(self, name: str) -> Any:
            # Every method (TRACE, QUERY, ...) goes to the handler, as API Gateway's ANY route does.
            if name.startswith("do_"):
                return self._handle
            raise AttributeError(name)

    return ApiRequestHandler


def _pipeline_loop(api: LocalApi, stop: threading.Event, interval: float, errors: TextIO) -> None:
    while not stop.is_set():
        try:
            api.run_pipeline()
        except Exception as exc:  # keep serving: one line, as the CLI does
            print(f"gazette serve: pipeline run failed: {type(exc).__name__}: {exc}", file=errors)
        stop.wait(interval)


@contextmanager
def serving(port: int = 0, out: Path | None = None, *, pipeline: bool = True, interval: float = 30.0,
            errors: TextIO = sys.stderr) -> Iterator[LocalApi]:
    """The API on 127.0.0.1:`port` (0: a free one) over a fresh embedded stack, for the duration."""
    folder = Path(out) if out else Path(tempfile.mkdtemp(prefix="gazette-serve-"))
    try:
        httpd = ThreadingHTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler)
    except OSError as exc:
        raise ServeError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from exc
    httpd.daemon_threads = True
    bound = httpd.server_address[1]
    base_url = f"http://127.0.0.1:{bound}"
    with ExitStack() as stack_ctx:
        stack_ctx.callback(httpd.server_close)
        stack = stack_ctx.enter_context(embedded_aws({"AllowLoopback": "true", "PublicBaseUrl": base_url}))
        stack_ctx.enter_context(quiet_functions())
        feeds_http = stack_ctx.enter_context(feed_server(project_root() / "events" / "feeds", earlier="earlier"))
        register_feeds(stack, project_root() / "events" / "feeds" / "registry.json", feeds_http.base_url)
        mail_folder = folder / "mail"
        for old in mail_folder.glob("*.eml"):
            old.unlink()
        api = LocalApi(stack=stack, base_url=base_url, out=folder, mailbox=Mailbox(stack.endpoint, mail_folder),
                       runner=Runner(stack), lock=threading.Lock(), site=feeds_http)
        httpd.RequestHandlerClass = _request_handler(api, bound)
        server_thread = threading.Thread(target=httpd.serve_forever, name="gazette-serve", daemon=True)
        server_thread.start()
        stack_ctx.callback(httpd.shutdown)
        if pipeline:
            stop = threading.Event()
            worker = threading.Thread(target=_pipeline_loop, args=(api, stop, interval, errors),
                                      name="gazette-pipeline", daemon=True)
            worker.start()
            stack_ctx.callback(worker.join, 30)
            stack_ctx.callback(stop.set)
        yield api


def run_serve(port: int, out: Path | None, *, pipeline: bool, interval: float, stdout: TextIO) -> None:
    """Serves until interrupted (Ctrl-C)."""
    with serving(port, out, pipeline=pipeline, interval=interval) as api:
        print(f"serving the API and pages at {api.base_url}/  (API docs {api.base_url}/docs, "
              f"OpenAPI {api.base_url}/openapi.json)", file=stdout)
        print(f"embedded AWS (moto server) at {api.stack.endpoint}; mails are written to {api.mailbox.folder}",
              file=stdout)
        print("the pipeline " + (f"runs every {interval:g} s" if pipeline else "does not run (--no-pipeline)")
              + "; press Ctrl-C to stop", file=stdout, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped", file=stdout)
