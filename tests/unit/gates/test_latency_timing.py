"""The latency gate's timed loop and stopping rule (gates/latency_timing.py), without timed asserts.

Real calls (plain Python functions) and the real clock; what is checked is behaviour: how many
pairs, in which order, why timing stopped, and that the GC and the CPU mask are restored.
"""

from __future__ import annotations

import gc
import os
import time

import pytest

from mlops_gate.gates import latency_timing
from mlops_gate.gates.latency_timing import measure, one_cpu

RUNS = 10


def _no_progress(amount: float) -> None:
    del amount


def _recorder(order: list[str], name: str) -> latency_timing.Call:
    def call() -> None:
        order.append(name)

    return call


def test_one_model_gets_exactly_runs_calls_after_its_warmup() -> None:
    order: list[str] = []
    timing = measure([_recorder(order, "a")], RUNS, 3, _no_progress, precise=lambda t: False)
    assert order == ["a"] * (3 + RUNS)
    assert len(timing.timings) == 1
    assert len(timing.timings[0]) == RUNS
    assert all(t >= 0 for t in timing.timings[0])
    assert timing.stopped == "runs"


def test_pairs_alternate_their_order() -> None:
    order: list[str] = []
    calls = [_recorder(order, "a"), _recorder(order, "b")]
    measure(calls, 4, 0, _no_progress)  # no stopping rule: exactly `runs` pairs
    assert order == ["a", "b", "b", "a", "a", "b", "b", "a"]


def test_precise_ratio_stops_only_after_the_minimum_span(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(latency_timing, "MIN_SPAN_S", 0.05)
    calls = [lambda: time.sleep(2e-4), lambda: time.sleep(1e-4)]  # ~3 ms per round
    timing = measure(calls, RUNS, 0, _no_progress, precise=lambda t: True)
    assert timing.stopped == "precise"
    assert timing.timed_s >= 0.05
    assert len(timing.timings[0]) == len(timing.timings[1])
    assert len(timing.timings[0]) % RUNS == 0
    assert len(timing.timings[0]) > RUNS  # one round is shorter than 50 ms


def test_an_imprecise_ratio_stops_at_the_pair_cap() -> None:
    calls = [lambda: None, lambda: None]
    timing = measure(calls, RUNS, 0, _no_progress, precise=lambda t: False)
    assert timing.stopped == "pair cap"
    assert len(timing.timings[0]) == RUNS * latency_timing.MAX_ROUNDS_FACTOR


@pytest.mark.parametrize(
    ("pairs", "span", "precise", "reason"),
    [
        (RUNS, 0.0, True, ""),  # precise, but over too short a span
        (RUNS, 5.0, True, "precise"),
        (RUNS, 5.0, False, ""),
        (RUNS * latency_timing.MAX_ROUNDS_FACTOR, 0.0, False, "pair cap"),
        (RUNS, latency_timing.MAX_SPAN_S, False, "time cap"),
    ],
)
def test_stop_reasons(pairs: int, span: float, precise: bool, reason: str) -> None:
    timings = [[1] * pairs, [1] * pairs]
    found = latency_timing._stop_reason(timings, RUNS, span, lambda t: precise)
    assert found == reason


def test_gc_and_cpu_mask_are_restored_even_when_a_call_raises() -> None:
    before = os.sched_getaffinity(0)

    def broken() -> None:
        raise RuntimeError("model failed")

    with pytest.raises(RuntimeError, match="model failed"):
        measure([broken], RUNS, 0, _no_progress)
    assert gc.isenabled()
    assert os.sched_getaffinity(0) == before


def test_one_cpu_pins_to_an_allowed_cpu_and_restores() -> None:
    before = os.sched_getaffinity(0)
    with one_cpu() as (cpu, text):
        assert cpu in before
        assert os.sched_getaffinity(0) == {cpu}
        assert text == f"cpu {cpu}"
    assert os.sched_getaffinity(0) == before


def test_one_cpu_falls_back_when_the_os_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(pid: int, mask: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "sched_setaffinity", refuse)
    with one_cpu() as (cpu, text):
        assert cpu is None
        assert text == "not pinned: PermissionError: [Errno 1] Operation not permitted"
