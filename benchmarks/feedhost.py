"""`python -m benchmarks.feedhost ROOT PORT [HOSTS]`: gazette_local's feed server (ETag/304) in its own process.

With HOSTS > 1 the same files are served on that many loopback addresses (127.0.0.1, 127.0.0.2, ...,
see `address`), all on PORT: each feed can have a host of its own, as each real source has its site,
so the poller's per-host turns do not serialise feeds that real hosts would not.
"""

from __future__ import annotations

import selectors
import signal
import socketserver
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from gazette_local import servers


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def server_bind(self) -> None:
        # HTTPServer's own looks the address's name up (getfqdn): slow, and a thousand times over here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def address(index: int) -> str:
    """The index-th loopback address served (127.0.0.1 first); all of 127.0.0.0/8 is loopback."""
    return f"127.0.{index // 250}.{1 + index % 250}"


def main() -> None:
    root, port = Path(sys.argv[1]), int(sys.argv[2])
    hosts = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    server = servers.feed_server(root)
    # Re-bind on the port the parent chose, keeping gazette_local's request handler.
    handler = server.httpd.RequestHandlerClass
    server.httpd.server_close()
    # 127.0.0.1 last: the parent waits for it, and by then every address listens.
    listening = [_Server((address(index), port), handler) for index in reversed(range(hosts))][::-1]
    server.httpd = listening[0]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def serve() -> None:
        # One thread accepts on every address; each request is answered on a thread of its own.
        with selectors.DefaultSelector() as selector:
            for httpd in listening:
                selector.register(httpd, selectors.EVENT_READ, httpd)
            while not stop.is_set():
                for key, _ in selector.select(timeout=0.2):
                    key.data._handle_request_noblock()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    stop.wait()
    thread.join(timeout=5)
    for httpd in listening:
        httpd.server_close()


if __name__ == "__main__":
    main()
