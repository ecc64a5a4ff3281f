"""The latency gate's timed loop: warm-up, interleaved rounds, when to stop, and CPU pinning.

Why each piece (measured in benchmarks/README.md, "Latency spread"): on a shared 2-core runner
the candidate/baseline ratio moved by up to 10% from run to run (issue 16). What holds it within
~1%: both models timed on **one core** (`os.sched_setaffinity` of the timing thread, where the
OS allows it; a migration between cores, or one model running beside a co-tenant and the other
not, moves one side of a pair alone), ONNX Runtime on **one intra-op and one inter-op thread,
sequential** (the gate's `threads` default, so nothing else of the gate competes with its own
timed thread), the cyclic GC paused, and a ratio taken over a **minimum timed span**: pairs within
a few milliseconds share one machine state, so their interval looks narrow while the next run's
state differs; time spread over `MIN_SPAN_S` averages over those states.
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

Call = Callable[[], object]
Advance = Callable[[float], None]
# Progress updates per measurement: often enough to move, rare enough to cost nothing.
PROGRESS_STEPS = 20
# Against a baseline, more rounds of `runs` pairs are timed while the ratio's 95% interval is
# wider than PAIRED_PRECISION (metrics/latency.py) or the pairs span less than MIN_SPAN_S; at most
# MAX_ROUNDS_FACTOR x `runs` pairs or MAX_SPAN_S seconds, whichever comes first.
MIN_SPAN_S = 2.0
MAX_SPAN_S = 10.0
MAX_ROUNDS_FACTOR = 1000


@dataclass(frozen=True)
class Timing:
    """Per-call nanoseconds per model, and how they were taken (reported in `details`)."""

    timings: list[list[int]]
    timed_s: float  # wall time of the timed rounds (warm-up excluded)
    pinned_cpu: int | None
    pinning: str  # "cpu N", or why the thread was not pinned
    stopped: str  # why timing stopped: "runs", "precise", "pair cap", "time cap"


@contextlib.contextmanager
def one_cpu() -> Iterator[tuple[int | None, str]]:
    """Pin the calling thread to one CPU it may use, and restore its mask afterwards.

    Yields (cpu, "cpu N"), or (None, the reason) where the platform has no affinity calls or the
    OS refuses (a container's seccomp profile, say): the timing then runs unpinned.
    """
    getter = getattr(os, "sched_getaffinity", None)
    setter = getattr(os, "sched_setaffinity", None)
    if getter is None or setter is None:
        yield None, "not pinned: no sched_setaffinity on this platform"
        return
    try:
        allowed = getter(0)
        cpu = max(allowed)  # CPU 0 takes most interrupts on Linux
        setter(0, {cpu})
    except (OSError, ValueError) as exc:
        yield None, f"not pinned: {type(exc).__name__}: {exc}"
        return
    try:
        yield cpu, f"cpu {cpu}"
    finally:
        with contextlib.suppress(OSError, ValueError):
            setter(0, allowed)


def measure(
    calls: Sequence[Call],
    runs: int,
    warmup: int,
    advance: Advance,
    precise: Callable[[list[list[int]]], bool] | None = None,
) -> Timing:
    """Warm up, then time `runs` rounds of one call per model, interleaved; more while imprecise.

    With two models, pairs alternate their order (A B, B A, ...) so that neither always runs right
    after the other, and rounds of `runs` pairs are added while `precise(timings)` is false or
    the timed span is under MIN_SPAN_S, up to the caps. Exceptions of the calls propagate.
    """
    with one_cpu() as (cpu, pinning):
        gc_was_enabled = gc.isenabled()
        gc.disable()  # a cyclic-GC pass inside a timed call is noise, not latency (timeit does this)
        try:
            _rounds(calls, [[0] * warmup for _ in calls], 0, warmup)
            start = time.perf_counter()
            timings = _first_rounds(calls, runs, advance)
            stopped = "runs"
            while precise is not None and len(calls) == 2:
                stopped = _stop_reason(timings, runs, time.perf_counter() - start, precise)
                if stopped:
                    break
                more = [[0] * runs for _ in calls]
                _rounds(calls, more, 0, runs)
                for done, extra in zip(timings, more, strict=True):
                    done.extend(extra)
            timed_s = time.perf_counter() - start
        finally:
            if gc_was_enabled:
                gc.enable()
    return Timing(timings, timed_s, cpu, pinning, stopped)


def _first_rounds(calls: Sequence[Call], runs: int, advance: Advance) -> list[list[int]]:
    timings = [[0] * runs for _ in calls]
    step = max(1, runs // PROGRESS_STEPS)
    for begin in range(0, runs, step):
        stop = min(begin + step, runs)
        _rounds(calls, timings, begin, stop)
        advance(stop - begin)
    return timings


def _stop_reason(
    timings: list[list[int]],
    runs: int,
    span_s: float,
    precise: Callable[[list[list[int]]], bool],
) -> str:
    """Why to stop adding pairs now ("" to go on)."""
    if len(timings[0]) >= runs * MAX_ROUNDS_FACTOR:
        return "pair cap"
    if span_s >= MAX_SPAN_S:
        return "time cap"
    if span_s >= MIN_SPAN_S and precise(timings):
        return "precise"
    return ""


def _rounds(calls: Sequence[Call], timings: list[list[int]], start: int, stop: int) -> None:
    """The timed loop: only the call sits between the two clock reads; odd rounds reversed."""
    clock = time.perf_counter_ns
    pairs = list(zip(calls, timings, strict=True))
    orders = (pairs, pairs[::-1])
    for i in range(start, stop):
        for call, out in orders[i & 1]:
            begin = clock()
            call()
            out[i] = clock() - begin
