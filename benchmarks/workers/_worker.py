"""What every worker shares: its result line and its own peak memory (standard library only)."""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
RESULT_MARKER = "BENCH-RESULT "  # _common.run_worker reads the last line starting with this


def peak_rss_mb() -> float:
    """This process's own peak resident set so far, in MB: Linux's VmHWM.

    Not `ru_maxrss`: Linux keeps it across exec, and a forked child starts with its parent's
    pages mapped, so a worker started by a bench process holding 800 MB (it had just written
    the 50M-row Parquet) reported 809 MB whatever it did itself. VmHWM is the high-water mark
    of this program's own memory since its exec. Elsewhere, ru_maxrss (KiB on Linux and BSD)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(function: Callable[[], T]) -> tuple[T, float]:
    """`function()` and the wall seconds it took."""
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def emit(result: dict[str, Any]) -> None:
    """Print the result for the driver, with this process's peak RSS added."""
    result["peak_rss_mb"] = peak_rss_mb()
    sys.stdout.write(RESULT_MARKER + json.dumps(result, default=float) + "\n")
    sys.stdout.flush()
