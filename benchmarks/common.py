"""What every benchmark section shares: medians, the machine, AWS call counting, helper processes."""

from __future__ import annotations

import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENV_PY = Path(sys.executable)
PEER_VENV = ROOT / ".cache" / "bench-venv"


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def repeat(fn: Callable[[], Any], runs: int) -> list[float]:
    """CPU seconds (this process) of `runs` calls of fn."""
    out = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        out.append(time.process_time() - start)
    return out


def machine() -> dict[str, str]:
    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "cpu": model or "unknown",
        "cores": str(os.cpu_count()),
        "memory": memory or "unknown",
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# ------------------------------------------------------------------------------------ AWS calls
@dataclass
class CallCounter:
    """Counts AWS API calls (one per operation, retries not included) through botocore's event hooks."""

    label: Callable[[], str] = lambda: "all"
    calls: Counter = field(default_factory=Counter)  # (label, "service.Operation") -> n

    def hook(self, event_name: str, **_: Any) -> None:
        # event_name is "before-call.<service>.<Operation>"
        _, service, operation = event_name.split(".", 2)
        self.calls[(self.label(), f"{service}.{operation}")] += 1

    def attach(self, emitter: Any) -> None:
        emitter.register("before-call", self.hook)

    def by_label(self) -> dict[str, Counter]:
        out: dict[str, Counter] = {}
        for (label, op), n in self.calls.items():
            out.setdefault(label, Counter())[op] += n
        return out

    def reset(self) -> None:
        self.calls.clear()


def service_totals(ops: Counter) -> Counter:
    """'dynamodb.PutItem' counts summed per service (sesv2 counted as SES)."""
    out: Counter = Counter()
    for op, n in ops.items():
        service = op.split(".", 1)[0]
        out["ses" if service.startswith("ses") else service] += n
    return out


# ------------------------------------------------------------------------------------ processes
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def stop(proc: subprocess.Popen) -> None:
    """Ends a server this module started: asked first, killed if a loaded machine keeps it past 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server in its own process, so our process's CPU is ours and the AWS client's."""
    port = free_port()
    moto = VENV_PY.parent / "moto_server"
    command = [str(moto)] if moto.exists() else [str(VENV_PY), "-m", "moto.server"]
    proc = subprocess.Popen([*command, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        endpoint = f"http://127.0.0.1:{port}"
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"),  # noqa: S310
                               timeout=10).close()
        yield endpoint
    finally:
        stop(proc)


@contextmanager
def feed_host(root: Path) -> Iterator[str]:
    """The loopback feed server (ETag, 304) of gazette_local, in its own process."""
    with feed_hosts(root, 1) as bases:
        yield bases[0]


@contextmanager
def feed_hosts(root: Path, count: int) -> Iterator[list[str]]:
    """The same feed server on `count` loopback addresses (a host per feed); yields their base URLs."""
    from benchmarks.feedhost import address

    port = free_port()
    proc = subprocess.Popen([str(VENV_PY), "-m", "benchmarks.feedhost", str(root), str(port), str(count)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield [f"http://{address(index)}:{port}" for index in range(count)]
    finally:
        stop(proc)


def run_measured(command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
                 timeout: float = 1800) -> tuple[int, dict[str, float], str]:
    """Runs a child to completion; returns (exit code, its rusage: cpu s, maxrss MB, wall s, stderr tail)."""
    started = time.monotonic()
    with open(os.devnull, "wb") as devnull:
        err_path = Path(tempfile.gettempdir()) / f"bench-stderr-{os.getpid()}-{time.monotonic_ns()}"
        with open(err_path, "wb") as err:
            proc = subprocess.Popen(command, env=env, cwd=cwd or ROOT, stdout=devnull, stderr=err)
            deadline = time.monotonic() + timeout
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    proc.kill()
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.02)
            proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    tail = err_path.read_text(errors="replace")[-3000:]
    err_path.unlink(missing_ok=True)
    return proc.returncode, {
        "cpu": usage.ru_utime + usage.ru_stime,
        "user": usage.ru_utime,
        "sys": usage.ru_stime,
        "maxrss_mb": usage.ru_maxrss / 1024,
        "wall": wall,
    }, tail


def self_maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
