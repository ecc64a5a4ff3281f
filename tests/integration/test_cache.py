"""The gate result cache (issue #8 item 3): reuse only while nothing a gate read has changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_gate import api
from mlops_gate.engine.cache import DEFAULT_DIR
from mlops_gate.report import CheckReport
from tests.support import basic_project, binary_frame, write_table

pytestmark = pytest.mark.integration

GATES = [
    {"type": "metric", "metric": "accuracy", "min": 0.5},
    {"type": "size", "max_mb": 1},
    {"type": "drift", "max": 0.2},
    {"type": "latency", "max_ms": 10_000, "runs": 20, "warmup": 2},
    {"type": "latency", "device": "cuda", "max_ms": 10_000, "runs": 20},  # error here: no CUDA
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The policy file of a fresh project; the working directory is its folder."""
    monkeypatch.chdir(tmp_path)  # the cache lives under the working directory's .mlops-gate/
    return basic_project(tmp_path, GATES)


def _check(policy: Path, *, use_cache: bool = True) -> CheckReport:
    return api.check(policy, api.Outputs(evidence=None), use_cache=use_cache)


def _cached(report: CheckReport) -> dict[str, bool]:
    return {gate.id: gate.cached for gate in report.gates}


def test_unchanged_rerun_reuses_every_decided_gate(project: Path) -> None:
    first = _check(project)
    second = _check(project)
    assert not any(_cached(first).values())
    assert _cached(second) == {
        "metric:accuracy": True,
        "size": True,
        "drift": True,
        "latency:cpu:p95": True,
        "latency:cuda:p95": False,  # errors are never stored: the device may appear
    }
    for before, after in zip(first.gates, second.gates, strict=True):
        assert (after.verdict, after.value, after.details) == (
            before.verdict,
            before.value,
            before.details,
        )
    assert second.exit_code == first.exit_code


def test_a_changed_input_reevaluates_only_the_gates_that_read_it(project: Path) -> None:
    _check(project)
    write_table(binary_frame(2000, seed=7), project.parent / "eval.parquet")
    cached = _cached(_check(project))
    assert cached["size"] is True  # reads the model only
    assert cached["metric:accuracy"] is False
    assert cached["drift"] is False
    assert cached["latency:cpu:p95"] is False  # times rows of the eval set


def test_a_changed_gate_setting_is_a_miss(project: Path) -> None:
    _check(project)
    policy = project
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("max_mb: 1", "max_mb: 2"), encoding="utf-8"
    )
    cached = _cached(_check(policy))
    assert cached["size"] is False
    assert cached["drift"] is True


def test_no_cache_evaluates_everything(project: Path) -> None:
    _check(project)
    assert not any(_cached(_check(project, use_cache=False)).values())


def test_a_corrupt_entry_is_ignored_and_rewritten(project: Path) -> None:
    _check(project)
    entries = sorted((project.parent / DEFAULT_DIR).glob("*.json"))
    assert len(entries) == 4
    for entry in entries:
        entry.write_text('{"key": "forged", "result": {"verdict": "pass"}}', encoding="utf-8")
    report = _check(project)
    assert not any(_cached(report).values())  # nothing forged was trusted
    assert [g.verdict.value for g in report.gates][:4] == ["pass", "pass", "pass", "pass"]
    assert all('"forged"' not in entry.read_text(encoding="utf-8") for entry in entries)
    assert all(
        _cached(_check(project))[gate_id] for gate_id in ("metric:accuracy", "size", "drift")
    )
