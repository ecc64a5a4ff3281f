"""The `latency` gate on real ONNX Runtime sessions (docs/latency.md).

No assert depends on how fast this machine is: absolute limits are either absurdly generous
(10 s per call) or impossible (1 ns per call), and baseline comparisons pit models whose costs
differ by far more than 20x, measured interleaved so that a busy runner slows both alike.
"""

from __future__ import annotations

import gc
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import joblib
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neural_network import MLPClassifier

from mlops_gate.engine.context import EvaluationContext
from mlops_gate.engine.runner import run_gates
from mlops_gate.gates import latency_timing
from mlops_gate.gates.registry import load_policy
from mlops_gate.progress import Advance
from mlops_gate.results import GateResult, Verdict
from tests.support import (
    FEATURES,
    binary_frame,
    regression_frame,
    train_onnx,
    write_policy,
    write_table,
)

pytestmark = pytest.mark.integration

FAST = {"runs": 30, "warmup": 3, "threads": 1}  # one thread: less noise for (and from) neighbours
DATA = {"target": "label", "ignore": ["id", "group"]}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny.onnx (logistic regression) and big.onnx (3x256 MLP: ~100x the work at batch 256)."""
    root = tmp_path_factory.mktemp("latency-models")
    train = binary_frame(600, seed=1)
    write_table(binary_frame(300, seed=2), root / "eval.parquet")
    write_table(binary_frame(3, seed=3), root / "three_rows.parquet")
    train_onnx(train, root / "tiny.onnx")
    mlp = MLPClassifier(hidden_layer_sizes=(256, 256, 256), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # its weights only need to exist
        train_onnx(train, root / "big.onnx", estimator=mlp)
    joblib.dump(LogisticRegression().fit(train[FEATURES], train["label"]), root / "clf.joblib")
    reg = regression_frame(300, seed=1)
    write_table(reg, root / "reg.parquet")
    joblib.dump(LinearRegression().fit(reg[FEATURES], reg["target"]), root / "reg.joblib")
    return root


def _run(tmp_path: Path, models: Path, gate: dict[str, Any], **policy: Any) -> GateResult:
    document: dict[str, Any] = {
        "version": 1,
        "name": "latency-test",
        "model": {"path": str(models / "tiny.onnx")},
        "data": {**DATA, "eval": str(models / "eval.parquet")},
        "gates": [{"type": "latency", **gate}],
    }
    document.update(policy)
    (result,) = run_gates(EvaluationContext(load_policy(write_policy(tmp_path, document))))
    assert not result.internal_error, result.message
    return result


def _assert_consistent(result: GateResult, percentile: float, provider: str) -> None:
    details = result.details
    for key in ("p50_ms", "p95_ms", "p99_ms", "mean_ms", "throughput_rps"):
        assert math.isfinite(details[key]), (key, details[key])
        assert details[key] > 0, (key, details[key])
    assert details["p50_ms"] <= details["p95_ms"] <= details["p99_ms"]
    assert details["provider"] == provider
    assert details["percentile"] == percentile
    assert result.value == details[f"p{percentile:g}_ms"]


@pytest.mark.parametrize("percentile", [50, 95, 99])
def test_cpu_gate_reports_consistent_details(tmp_path: Path, models: Path, percentile: int) -> None:
    gate = {"max_ms": 10_000, "percentile": percentile, **FAST}
    result = _run(tmp_path, models, gate)
    assert result.verdict is Verdict.PASS, result.message
    _assert_consistent(result, percentile, "CPUExecutionProvider")
    assert result.threshold == 10_000
    assert result.baseline_value is None
    assert {
        "batch_size": 1,
        "runs": 30,
        "warmup": 3,
        "threads": 1,
    }.items() <= result.details.items()
    assert "ratio" not in result.details


def test_default_threads_and_batch_cycling(tmp_path: Path, models: Path) -> None:
    """One ORT thread by default; a 10-row batch from a 3-row data set (rows repeat)."""
    gate = {"max_ms": 10_000, "batch_size": 10, "runs": 20, "warmup": 0}
    result = _run(tmp_path, models, gate, data={**DATA, "eval": str(models / "three_rows.parquet")})
    assert result.verdict is Verdict.PASS, result.message
    _assert_consistent(result, 95, "CPUExecutionProvider")
    assert result.details["batch_size"] == 10
    assert result.details["threads"] == 1
    assert result.details["ort"] == {
        "intra_op_threads": 1,
        "inter_op_threads": 1,
        "execution_mode": "sequential",
    }


def test_threads_null_leaves_ort_its_own_default(tmp_path: Path, models: Path) -> None:
    result = _run(tmp_path, models, {"max_ms": 10_000, "runs": 20, "warmup": 0, "threads": None})
    assert result.verdict is Verdict.PASS, result.message
    assert result.details["threads"] is None
    assert result.details["ort"]["intra_op_threads"] == 0  # ORT's "choose for me"


def test_details_say_how_the_calls_were_timed(tmp_path: Path, models: Path) -> None:
    import os

    before = os.sched_getaffinity(0)
    result = _run(tmp_path, models, {"max_ms": 10_000, **FAST})
    details = result.details
    assert details["calls"] == FAST["runs"]
    assert details["stopped"] == "runs"  # no baseline: exactly `runs` calls
    assert details["gc_disabled"] is True
    assert details["timed_s"] > 0
    assert details["pinned_cpu"] in before
    assert details["pinning"] == f"cpu {details['pinned_cpu']}"
    assert os.sched_getaffinity(0) == before  # the thread's mask is restored


def test_pinning_refused_by_the_os_times_unpinned(
    tmp_path: Path, models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the OS refuses (a seccomp profile returns EPERM), the gate times unpinned."""
    import errno
    import os

    def refuse(pid: int, mask: Any) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "sched_setaffinity", refuse)
    result = _run(tmp_path, models, {"max_ms": 10_000, **FAST})
    assert result.verdict is Verdict.PASS, result.message
    assert result.details["pinned_cpu"] is None
    assert result.details["pinning"].startswith("not pinned: PermissionError")


def test_no_affinity_calls_on_the_platform_times_unpinned(
    tmp_path: Path, models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.delattr(os, "sched_setaffinity")  # as on macOS and Windows
    result = _run(tmp_path, models, {"max_ms": 10_000, **FAST})
    assert result.verdict is Verdict.PASS, result.message
    assert result.details["pinned_cpu"] is None
    assert "no sched_setaffinity" in result.details["pinning"]


@pytest.mark.parametrize(
    ("limits", "verdict"),
    [
        ({"max_ms": 1e-6}, Verdict.FAIL),  # 1 ns: no inference is that fast
        ({"max_ms": 10_000, "warn_ms": 1e-6}, Verdict.WARN),
        ({"max_ms": 10_000, "warn_ms": 5_000}, Verdict.PASS),
    ],
)
def test_verdict_follows_the_thresholds(
    tmp_path: Path, models: Path, limits: dict[str, float], verdict: Verdict
) -> None:
    result = _run(tmp_path, models, {**limits, **FAST})
    assert result.verdict is verdict, result.message
    assert result.threshold == limits["max_ms"]


def test_cuda_missing_is_an_error_never_a_cpu_run(tmp_path: Path, models: Path) -> None:
    result = _run(tmp_path, models, {"device": "cuda", "max_ms": 10_000, **FAST})
    assert result.verdict is Verdict.ERROR
    assert result.message.startswith("CUDAExecutionProvider not available")
    assert result.value is None
    assert result.details == {}


def test_cuda_missing_skips_when_the_policy_allows(tmp_path: Path, models: Path) -> None:
    gate = {"device": "cuda", "max_ms": 10_000, "if_device_missing": "skip", **FAST}
    result = _run(tmp_path, models, gate)
    assert result.verdict is Verdict.SKIP
    assert "CUDAExecutionProvider not available" in result.message
    assert "if_device_missing: skip" in result.message


def test_interleaved_ratio_is_candidate_over_baseline(tmp_path: Path, models: Path) -> None:
    gate = {"max_regression": 1e6, "percentile": 50, "batch_size": 256, **FAST}
    result = _run(tmp_path, models, gate, baseline={"path": str(models / "big.onnx")})
    details = result.details
    assert result.verdict is Verdict.PASS, result.message
    # The gated ratio is the median of per-pair ratios; the ratio of percentiles is reported.
    assert details["ratio_method"] == "median of per-pair ratios"
    assert details["pairs"] >= FAST["runs"]
    assert details["percentile_ratio"] == pytest.approx(
        details["p50_ms"] / details["baseline_p50_ms"]
    )
    assert result.baseline_value == details["baseline_p50_ms"]
    assert result.value is not None
    assert result.baseline_value is not None
    assert details["percentile_ratio"] == pytest.approx(result.value / result.baseline_value)
    assert details["max_regression"] == 1e6
    assert details["interleaved"] is True
    assert details["baseline_provider"] == "CPUExecutionProvider"
    assert details["ratio"] < 1  # a logistic regression beats a 3x256 MLP on any machine
    assert result.threshold is None  # no absolute limit was set
    # The stopping rule: whole rounds of `runs` pairs, over at least MIN_SPAN_S, within the caps.
    assert details["pairs"] % FAST["runs"] == 0
    assert details["pairs"] <= FAST["runs"] * latency_timing.MAX_ROUNDS_FACTOR
    assert details["stopped"] in {"precise", "pair cap", "time cap"}
    if details["stopped"] == "precise":
        assert details["timed_s"] >= latency_timing.MIN_SPAN_S
    low, high = details["ratio_interval"]
    assert low <= details["ratio"] <= high
    assert details["baseline_ort"] == details["ort"]


def test_slower_candidate_fails_against_a_fast_baseline(tmp_path: Path, models: Path) -> None:
    gate = {"max_regression": 0.0, "max_ms": 10_000, "percentile": 50, "batch_size": 256, **FAST}
    result = _run(
        tmp_path,
        models,
        gate,
        model={"path": str(models / "big.onnx")},
        baseline={"path": str(models / "tiny.onnx")},
    )
    assert result.verdict is Verdict.FAIL, result.message
    assert result.details["ratio"] > 1
    assert "baseline" in result.message


def test_huge_max_regression_passes_a_slower_candidate(tmp_path: Path, models: Path) -> None:
    gate = {"max_regression": 1e6, "percentile": 50, "batch_size": 256, **FAST}
    result = _run(
        tmp_path,
        models,
        gate,
        model={"path": str(models / "big.onnx")},
        baseline={"path": str(models / "tiny.onnx")},
    )
    assert result.verdict is Verdict.PASS, result.message
    assert result.details["ratio"] > 1


def test_sklearn_pickle_is_timed_in_python(tmp_path: Path, models: Path) -> None:
    model = {"path": str(models / "clf.joblib"), "trust": "pickle"}
    result = _run(tmp_path, models, {"max_ms": 10_000, **FAST}, model=model)
    assert result.verdict is Verdict.PASS, result.message
    _assert_consistent(result, 95, "python:sklearn")


def test_sklearn_regressor_is_timed_with_predict(tmp_path: Path, models: Path) -> None:
    model = {"path": str(models / "reg.joblib"), "trust": "pickle", "task": "regression"}
    data = {"target": "target", "eval": str(models / "reg.parquet")}
    result = _run(tmp_path, models, {"max_ms": 10_000, **FAST}, model=model, data=data)
    assert result.verdict is Verdict.PASS, result.message
    _assert_consistent(result, 95, "python:sklearn")


def test_sklearn_pickle_on_cuda_is_an_error(tmp_path: Path, models: Path) -> None:
    model = {"path": str(models / "clf.joblib"), "trust": "pickle"}
    gate = {"device": "cuda", "max_ms": 10_000, "if_device_missing": "skip", **FAST}
    result = _run(tmp_path, models, gate, model=model)
    assert result.verdict is Verdict.ERROR  # not a missing device: skip does not apply
    assert "ONNX models only" in result.message


def test_missing_feature_column_is_an_error(tmp_path: Path, models: Path) -> None:
    data = {**DATA, "eval": str(models / "eval.parquet"), "features": [*FEATURES[:3], "nope"]}
    result = _run(tmp_path, models, {"max_ms": 10_000, **FAST}, data=data)
    assert result.verdict is Verdict.ERROR
    assert "nope" in result.message


class RecordingProgress:
    """A real Progress implementation that keeps what it was told."""

    def __init__(self) -> None:
        self.tasks: list[tuple[str, float | None]] = []
        self.advanced: list[float] = []

    @contextmanager
    def task(self, description: str, total: float | None = None) -> Iterator[Advance]:
        self.tasks.append((description, total))
        yield self.advanced.append


def test_progress_counts_timed_calls_in_chunks(tmp_path: Path, models: Path) -> None:
    document = {
        "version": 1,
        "name": "latency-test",
        "model": {"path": str(models / "tiny.onnx")},
        "data": {**DATA, "eval": str(models / "eval.parquet")},
        "gates": [{"type": "latency", "id": "fast", "max_ms": 10_000, **FAST, "runs": 100}],
    }
    progress = RecordingProgress()
    context = EvaluationContext(load_policy(write_policy(tmp_path, document)), progress)
    (result,) = run_gates(context)
    assert result.verdict is Verdict.PASS, result.message
    assert ("timing fast", 100) in progress.tasks
    assert progress.advanced == [5] * 20  # chunks of calls, not one update per call
    assert gc.isenabled()  # paused while timing, restored after
