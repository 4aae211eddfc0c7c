"""Loopback HTTP servers for the local stack: a feed host (a site that can publish) and a webhook receiver.

The feed host serves a folder with ETag/Last-Modified and answers conditional GETs with 304, as real
feed hosts do; `{base_url}` inside served text files becomes the server's own address, so sample
feeds can link to sample documents whatever port is free. The webhook receiver verifies every
delivery with the reference `standardwebhooks` library and keeps what it accepted.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

TEXT_TYPES = {".xml": "application/rss+xml; charset=utf-8", ".txt": "text/plain; charset=utf-8",
              ".html": "text/html; charset=utf-8", ".json": "application/json"}


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


class LoopbackServer:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FeedHost(LoopbackServer):
    """Serves a folder; until `publish()`, files that have a version in `earlier/` are served as that.

    So a local site can change as a real one does: sources first read as they were (their baseline),
    then with their new issue or list item.
    """

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(handler)
        self.published = threading.Event()

    def publish(self) -> None:
        self.published.set()


def feed_server(root: Path, *, earlier: str | None = None) -> FeedHost:
    root = root.resolve()
    holder: dict[str, FeedHost] = {}

    class FeedHandler(_Quiet):
        def do_GET(self) -> None:
            relative = unquote(urlsplit(self.path).path).lstrip("/")
            path = (root / relative).resolve()
            if root not in path.parents or not path.is_file():
                self.send_error(404)
                return
            if earlier and not holder["server"].published.is_set() and (root / earlier / relative).is_file():
                path = (root / earlier / relative).resolve()
            body = path.read_bytes()
            if path.suffix in TEXT_TYPES:
                body = body.replace(b"{base_url}", holder["server"].base_url.encode())
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            last_modified = formatdate(path.stat().st_mtime, usegmt=True)
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            content_type = TEXT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
            self.send_header("Content-Type", content_type or "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            self.end_headers()
            self.wfile.write(body)

    server = FeedHost(FeedHandler)
    holder["server"] = server
    return server


@dataclass
class ReceivedWebhook:
    webhook_id: str
    verified: bool
    payload: dict[str, Any] | None
    error: str | None = None


@dataclass
class WebhookReceiver:
    """Accepts signed deliveries for the endpoints it knows the secret of."""

    secrets: dict[str, str] = field(default_factory=dict)  # path -> whsec_ secret
    received: list[ReceivedWebhook] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def server(self) -> LoopbackServer:
        receiver = self

        class Handler(_Quiet):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                secret = receiver.secrets.get(urlsplit(self.path).path)
                if secret is None:
                    self.send_error(404)
                    return
                headers = {key.lower(): value for key, value in self.headers.items()}
                try:
                    payload = Webhook(secret).verify(body, headers)
                    entry = ReceivedWebhook(headers.get("webhook-id", ""), True, payload)
                    status = 204
                except WebhookVerificationError as exc:
                    entry = ReceivedWebhook(headers.get("webhook-id", ""), False, None, str(exc))
                    status = 401
                with receiver.lock:
                    duplicate = any(r.webhook_id == entry.webhook_id and r.verified for r in receiver.received)
                    if not duplicate:
                        receiver.received.append(entry)
                self.send_response(status)
                self.end_headers()

        return LoopbackServer(Handler)

    def write(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for entry in self.received:
            path = folder / f"{entry.webhook_id or 'unsigned'}.json"
            path.write_text(json.dumps({"verified": entry.verified, "payload": entry.payload,
                                        "error": entry.error}, ensure_ascii=False, indent=2), encoding="utf-8")
            paths.append(path)
        return paths
