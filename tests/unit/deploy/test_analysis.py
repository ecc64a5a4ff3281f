"""The canary's per-step analysis: pure numbers in, verdicts out."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mlops_gate.deploy.local.analysis import MIN_SAMPLES, WindowStats, analyse
from mlops_gate.metrics.psi import column_psi
from mlops_gate.policy.deploy import AnalysisSpec

RNG = np.random.default_rng(0)


def stats(
    requests: int = 200,
    errors: int = 0,
    canary_ms: Any = None,
    stable_ms: Any = None,
    **extra: Any,
) -> WindowStats:
    canary = np.full(requests - errors, 10.0) if canary_ms is None else np.asarray(canary_ms)
    stable = np.full(200, 10.0) if stable_ms is None else np.asarray(stable_ms)
    return WindowStats(requests, errors, canary.astype(float), stable.astype(float), **extra)


def spec(**fields: Any) -> AnalysisSpec:
    return AnalysisSpec.model_validate(fields)


def criterion(result: Any, name: str) -> Any:
    (found,) = [c for c in result.criteria if c.name == name]
    return found


def test_nothing_is_judged_before_min_requests() -> None:
    result = analyse(stats(49, errors=49), spec(max_error_rate=0.01), min_requests=50)
    assert result.verdict == "pending"
    assert criterion(result, "error_rate").value is None
    assert criterion(result, "requests").message == "canary requests 49/50"


def test_no_criteria_passes_once_enough_requests() -> None:
    assert analyse(stats(50), spec(), min_requests=50).verdict == "pass"


@pytest.mark.parametrize(("errors", "verdict"), [(2, "pass"), (3, "fail")])
def test_error_rate_is_errors_over_canary_requests(errors: int, verdict: str) -> None:
    result = analyse(stats(200, errors=errors), spec(max_error_rate=0.01), min_requests=100)
    assert result.verdict == verdict
    assert criterion(result, "error_rate").value == pytest.approx(errors / 200)
    assert criterion(result, "error_rate").threshold == 0.01


def test_p95_is_numpys_linear_percentile_of_successful_calls() -> None:
    latencies = RNG.uniform(1, 100, size=300)
    result = analyse(stats(300, canary_ms=latencies), spec(max_p95_ms=50), min_requests=100)
    p95 = criterion(result, "p95_ms")
    assert p95.value == pytest.approx(np.percentile(latencies, 95))
    assert p95.verdict == "fail"
    assert result.summary().startswith("canary p95 ")


def test_p95_waits_for_enough_successful_samples() -> None:
    few = stats(100, errors=100 - (MIN_SAMPLES - 1))
    assert criterion(analyse(few, spec(max_p95_ms=50), min_requests=10), "p95_ms").value is None


def test_p95_ratio_compares_with_stable_in_the_same_window() -> None:
    result = analyse(
        stats(100, canary_ms=np.full(100, 30.0), stable_ms=np.full(100, 10.0)),
        spec(max_p95_ratio=2.0),
        min_requests=50,
    )
    assert criterion(result, "p95_ratio").value == pytest.approx(3.0)
    assert result.verdict == "fail"


@pytest.mark.parametrize(("agreed", "verdict"), [(95, "pass"), (89, "fail")])
def test_agreement_is_a_share_of_compared_rows(agreed: int, verdict: str) -> None:
    window = stats(200, compared_rows=100, agreed_rows=agreed)
    result = analyse(window, spec(min_agreement=0.9), min_requests=100)
    assert criterion(result, "agreement").value == pytest.approx(agreed / 100)
    assert result.verdict == verdict


def test_agreement_waits_for_compared_rows() -> None:
    window = stats(200, compared_rows=MIN_SAMPLES - 1, agreed_rows=0)
    assert analyse(window, spec(min_agreement=0.9), min_requests=100).verdict == "pending"


def _drift_case(shift: float, rows: int) -> tuple[WindowStats, dict[str, Any]]:
    reference = {"a": RNG.normal(size=2000), "b": RNG.normal(size=2000)}
    live = {"a": (RNG.normal(size=rows) + shift).tolist(), "b": RNG.normal(size=rows).tolist()}
    return stats(500, canary_rows=live), reference


def test_drift_is_the_worst_column_psi_against_the_reference() -> None:
    window, reference = _drift_case(shift=1.0, rows=400)
    drift = {"max": 0.2, "bins": 10, "min_rows": 200}
    result = analyse(window, spec(drift=drift), min_requests=100, reference=reference)
    found = criterion(result, "drift")
    expected = column_psi(reference["a"], np.asarray(window.canary_rows["a"])).psi
    assert found.value == pytest.approx(expected)
    assert found.details["columns"]["a"] == pytest.approx(expected)
    assert found.verdict == "fail"
    assert "(a)" in found.message


def test_drift_same_distribution_passes_and_waits_for_min_rows() -> None:
    window, reference = _drift_case(shift=0.0, rows=1000)
    drift = {"max": 0.2, "columns": ["a", "b"], "min_rows": 200}
    result = analyse(window, spec(drift=drift), min_requests=100, reference=reference)
    assert result.verdict == "pass"
    small, _ = _drift_case(shift=3.0, rows=150)
    assert analyse(small, spec(drift=drift), min_requests=100, reference=reference).verdict == (
        "pending"
    )


def test_features_stand_for_all_columns() -> None:
    window, reference = _drift_case(shift=0.0, rows=300)
    result = analyse(
        window,
        spec(drift={"max": 0.5, "min_rows": 200}),
        min_requests=100,
        reference=reference,
        features=["a", "b"],
    )
    assert set(criterion(result, "drift").details["columns"]) == {"a", "b"}


def test_a_failure_wins_over_a_pending_criterion() -> None:
    window = stats(200, errors=50, compared_rows=0)
    result = analyse(window, spec(max_error_rate=0.01, min_agreement=0.9), min_requests=100)
    assert result.verdict == "fail"
    assert [c.name for c in result.failed] == ["error_rate"]
    assert result.to_dict()["criteria"][1]["verdict"] == "fail"


def test_progress_lines_name_each_criterion() -> None:
    from mlops_gate.deploy.local.display import event_line
    from mlops_gate.deploy.local.outcome import CanaryEvent
    from mlops_gate.deploy.local.traffic import RequestCounts

    result = analyse(stats(200, errors=50), spec(max_error_rate=0.01), min_requests=100)
    event = CanaryEvent("tick", 1, 50, "", RequestCounts(10, 9, 1), result, elapsed_s=1.25)
    assert event_line(event) == (
        "step 2 at 50% (1.2 s): canary requests 200/100 [ok] | "
        "error rate 25.00% (50/200) > 0.01 [FAIL] — 10 sent, 9 answered, 1 failed"
    )
