"""The peer: rss2email 3.14 (from PyPI, in its own venv) on the same local feeds, mailing an aiosmtpd sink."""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import PEER_VENV, ROOT, feed_host, free_port, run_measured, wait_for_port

VERSION = "3.14"


def available() -> str | None:
    """None when the peer can run, else why not."""
    if not (PEER_VENV / "bin" / "r2e").exists():
        return f"rss2email is not installed in {PEER_VENV} (`make bench` installs it)"
    done = subprocess.run([str(PEER_VENV / "bin" / "python"), "-c", "import aiosmtpd, rss2email"],
                          capture_output=True, check=False)
    return None if done.returncode == 0 else "aiosmtpd or rss2email cannot be imported in the peer venv"


def install() -> str | None:
    """Creates the peer venv (rss2email and aiosmtpd only; never the project's dependencies)."""
    if available() is None:
        return None
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run(["python3", "-m", "venv", str(PEER_VENV)], check=False)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    f"rss2email=={VERSION}", "aiosmtpd"], check=False)
    return available()


def _config(path: Path, port: int, names: list[str], base_url: str) -> None:
    lines = ["[DEFAULT]", "from = bench@example.org", "to = bench.reader@example.org",
             "email-protocol = smtp", f"smtp-server = 127.0.0.1:{port}", "smtp-auth = False",
             "smtp-ssl = False", "html-mail = False", "use-8bit = True", ""]
    for name in names:
        lines += [f"[feed.{name.removesuffix('.xml')}]", f"url = {base_url}/{name}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def run(feeds_dir: Path, entries: int) -> dict[str, Any]:
    """One `r2e run` over every feed (all entries new), then one more (all unchanged)."""
    names = sorted(p.name for p in feeds_dir.glob("*.xml"))
    with tempfile.TemporaryDirectory(prefix="bench-r2e-") as tmp:
        work = Path(tmp)
        port, count_file = free_port(), work / "count"
        sink = subprocess.Popen([str(PEER_VENV / "bin" / "python"), str(ROOT / "benchmarks" / "smtp_sink.py"),
                                 str(port), str(count_file)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port)
            with feed_host(feeds_dir) as base_url:
                config, data = work / "r2e.cfg", work / "r2e.json"
                _config(config, port, names, base_url)
                command = [str(PEER_VENV / "bin" / "r2e"), "-c", str(config), "-d", str(data)]
                code, first, err = run_measured([*command, "run"])
                if code != 0:
                    raise RuntimeError(f"r2e run failed: {err[-800:]}")
                code, second, err = run_measured([*command, "run"])
                if code != 0:
                    raise RuntimeError(f"r2e second run failed: {err[-800:]}")
        finally:
            sink.terminate()
            sink.wait(timeout=10)
        for _ in range(50):
            if count_file.exists():
                break
            time.sleep(0.05)
        mailed = int(count_file.read_text()) if count_file.exists() else -1
    return {"feeds": len(names), "entries": entries, "mailed": mailed, "new_cpu": first["cpu"],
            "new_wall": first["wall"], "new_cpu_per_entry": first["cpu"] / max(1, entries),
            "unchanged_cpu": second["cpu"], "unchanged_cpu_per_feed": second["cpu"] / max(1, len(names)),
            "version": VERSION}
