"""`python -m benchmarks.feedhost ROOT PORT`: gazette_local's feed server (ETag/304) in its own process."""

from __future__ import annotations

import signal
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from gazette_local import servers


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main() -> None:
    root, port = Path(sys.argv[1]), int(sys.argv[2])
    server = servers.feed_server(root)
    # Re-bind on the port the parent chose, keeping gazette_local's request handler.
    handler = server.httpd.RequestHandlerClass
    server.httpd.server_close()
    server.httpd = _Server(("127.0.0.1", port), handler)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    stop.wait()
    server.httpd.shutdown()


if __name__ == "__main__":
    main()
