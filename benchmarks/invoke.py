"""`python -m benchmarks.invoke HANDLER EVENT.json RESULT.json`: one handler invocation in a fresh process.

A fresh process per invocation is a Lambda cold start: its peak RSS (read by the parent from the
child's rusage) is what the function's memory setting must hold.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path


def main() -> None:
    handler, event_path, result_path = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    from gazette_local.runner import LambdaContext

    started = time.perf_counter()
    module_name, function_name = handler.rsplit(".", 1)
    function = getattr(importlib.import_module(module_name), function_name)
    imported = time.perf_counter()
    result = function(json.loads(event_path.read_text(encoding="utf-8")),
                      LambdaContext(function_name=module_name.rsplit(".", 1)[-1]))
    done = time.perf_counter()
    result_path.write_text(json.dumps({"result": result, "import_s": imported - started,
                                       "invoke_s": done - imported, "peak_rss_mb": peak_rss_mb()},
                                      default=str), encoding="utf-8")


def peak_rss_mb() -> float:
    """This process's own high-water RSS (VmHWM). rusage's ru_maxrss is not used: on Linux it keeps
    the forking parent's RSS across exec, so a child started by a big process reports the parent's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
