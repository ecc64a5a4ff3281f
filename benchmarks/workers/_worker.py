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
    """This process's peak resident set so far (Linux reports ru_maxrss in KiB)."""
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
