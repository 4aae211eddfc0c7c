"""`python smtp_sink.py PORT COUNT_FILE` (run with the peer venv's Python): an aiosmtpd sink that counts mail."""

import asyncio
import signal
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main() -> None:
    port, count_file = int(sys.argv[1]), Path(sys.argv[2])
    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    count_file.write_text(str(handler.count))


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
