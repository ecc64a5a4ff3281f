"""Judge one canary step from what the router measured: pure functions, no I/O.

Every criterion of `AnalysisSpec` becomes a `Criterion` with its value, threshold and verdict.
A step is `pending` (not judged yet) until the canary has served `min_requests` requests; after
that one failing criterion fails the step at once, and the step passes only when every criterion
passes. The definitions are those of the offline gates: p95 is numpy's linear percentile
(`metrics.latency`), drift is the PSI of DESIGN.md (`metrics.psi`) against `data.reference`.
Agreement (`agreeing`, also the kubernetes live check's): classifiers agree on a row when the
labels are equal, regressors when the predictions are within `agreement_tolerance` (issue 14);
generated answers by `analysis.agreement`, a score per pair from 0 to 1 (`llm_agreement`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.errors import MetricUndefined
from mlops_gate.metrics.latency import NS_PER_MS, percentile_ms
from mlops_gate.metrics.psi import column_psi

if TYPE_CHECKING:
    from mlops_gate.policy.deploy import AnalysisSpec, LiveDriftSpec

Verdict = Literal["pass", "fail", "pending"]
# Fewer samples than this make a p95 or an agreement share too noisy to act on.
MIN_SAMPLES = 20


@dataclass(frozen=True)
class WindowStats:
    """What the router saw during one step (its stats window), as the analysis needs it.

    `canary_latency_ms`/`stable_latency_ms` hold successful calls only: a fast 500 must not make
    a model look quick. `compared_rows`/`agreed_rows` count rows answered by both models (mirrored
    or shadowed requests); for generated answers `agreed_rows` is the sum of the pairs' scores
    (each 0-1) and `agreement_by` says how they were scored. `canary_rows` is the canary's input,
    column by column.
    """

    canary_requests: int
    canary_errors: int
    canary_latency_ms: npt.NDArray[np.float64]
    stable_latency_ms: npt.NDArray[np.float64]
    compared_rows: int = 0
    agreed_rows: float = 0
    canary_rows: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    agreement_by: str | None = None
    agreement_details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Criterion:
    """One line of a step's analysis; `value` is None while it cannot be judged yet."""

    name: str
    value: float | None
    threshold: float
    verdict: Verdict
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "threshold": self.threshold,
            "verdict": self.verdict,
            "message": self.message,
            "details": self.details,
        }


@dataclass(frozen=True)
class StepAnalysis:
    verdict: Verdict
    criteria: tuple[Criterion, ...]

    @property
    def failed(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.verdict == "fail")

    def summary(self) -> str:
        """One line naming the failed (or, if none, pending) criteria, for messages and logs."""
        shown = self.failed or tuple(c for c in self.criteria if c.verdict == "pending")
        return "; ".join(c.message for c in shown) or "every criterion holds"

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "criteria": [c.to_dict() for c in self.criteria]}


def analyse(
    stats: WindowStats,
    spec: AnalysisSpec,
    *,
    min_requests: int,
    reference: Mapping[str, Any] | None = None,
    features: Sequence[str] = (),
) -> StepAnalysis:
    """The verdict of one step so far (see the module docstring for the rules)."""
    ready = stats.canary_requests >= min_requests
    criteria = [_requests(stats, min_requests)]
    if spec.max_error_rate is not None:
        criteria.append(_error_rate(stats, spec.max_error_rate, ready))
    if spec.max_p95_ms is not None:
        criteria.append(_p95(stats, spec.max_p95_ms, ready))
    if spec.max_p95_ratio is not None:
        criteria.append(_p95_ratio(stats, spec.max_p95_ratio, ready))
    if spec.min_agreement is not None:
        criteria.append(_agreement(stats, spec.min_agreement, ready))
    if spec.drift is not None:
        criteria.append(_drift(stats, spec.drift, ready, reference, features))
    verdicts = {c.verdict for c in criteria}
    verdict: Verdict = (
        "fail" if "fail" in verdicts else "pending" if "pending" in verdicts else "pass"
    )
    return StepAnalysis(verdict=verdict, criteria=tuple(criteria))


def agreeing(
    kind: Literal["labels", "predictions"],
    canary: Sequence[Any],
    stable: Sequence[Any],
    *,
    rel_tol: float,
    abs_tol: float,
) -> int:
    """Rows on which the two models agree: equal labels; or predictions within the tolerance,
    `numpy.isclose(canary, stable, rtol=rel_tol, atol=abs_tol)` (stable is the reference:
    |canary - stable| <= abs_tol + rel_tol * |stable|). Rows are paired in order."""
    if len(canary) != len(stable):
        raise ValueError(f"{len(canary)} canary outputs against {len(stable)} stable ones")
    if kind == "labels":
        return sum(bool(c == s) for c, s in zip(canary, stable, strict=True))
    values = np.asarray(canary, dtype=np.float64), np.asarray(stable, dtype=np.float64)
    return int(np.isclose(*values, rtol=rel_tol, atol=abs_tol).sum())


def drift_columns(spec: LiveDriftSpec, features: Sequence[str]) -> list[str]:
    return list(features) if spec.columns == "all" else list(spec.columns)


def _requests(stats: WindowStats, min_requests: int) -> Criterion:
    done = stats.canary_requests >= min_requests
    return Criterion(
        "requests",
        float(stats.canary_requests),
        float(min_requests),
        "pass" if done else "pending",
        f"canary requests {stats.canary_requests}/{min_requests}",
    )


def _at_most(name: str, value: float, threshold: float, text: str) -> Criterion:
    verdict: Verdict = "pass" if value <= threshold else "fail"
    relation = "<=" if verdict == "pass" else ">"
    return Criterion(name, value, threshold, verdict, f"{text} {relation} {threshold:g}")


def _pending(name: str, threshold: float, why: str) -> Criterion:
    return Criterion(name, None, threshold, "pending", f"{name}: {why}")


def _error_rate(stats: WindowStats, threshold: float, ready: bool) -> Criterion:
    if not ready:
        return _pending("error_rate", threshold, "not enough canary requests yet")
    rate = stats.canary_errors / stats.canary_requests
    text = f"error rate {rate:.2%} ({stats.canary_errors}/{stats.canary_requests})"
    return _at_most("error_rate", rate, threshold, text)


def _p95_of(latency_ms: npt.NDArray[np.float64]) -> float:
    return percentile_ms(np.asarray(latency_ms, dtype=np.float64) * NS_PER_MS, 95.0)


def _p95(stats: WindowStats, threshold: float, ready: bool) -> Criterion:
    if not ready or stats.canary_latency_ms.size < MIN_SAMPLES:
        return _pending("p95_ms", threshold, "not enough successful canary requests yet")
    p95 = _p95_of(stats.canary_latency_ms)
    return _at_most("p95_ms", p95, threshold, f"canary p95 {p95:.1f} ms")


def _p95_ratio(stats: WindowStats, threshold: float, ready: bool) -> Criterion:
    samples = min(stats.canary_latency_ms.size, stats.stable_latency_ms.size)
    if not ready or samples < MIN_SAMPLES:
        return _pending("p95_ratio", threshold, "not enough timed requests on both models yet")
    canary, stable = _p95_of(stats.canary_latency_ms), _p95_of(stats.stable_latency_ms)
    if stable <= 0:
        return _pending("p95_ratio", threshold, "the stable p95 is 0 ms")
    ratio = canary / stable
    text = f"p95 ratio {ratio:.2f} (canary {canary:.1f} ms / stable {stable:.1f} ms)"
    return _at_most("p95_ratio", ratio, threshold, text)


def _agreement(stats: WindowStats, threshold: float, ready: bool) -> Criterion:
    if not ready or stats.compared_rows < MIN_SAMPLES:
        why = "not enough rows answered by both models yet"
        if stats.agreement_by is not None:
            why = f"{stats.compared_rows}/{MIN_SAMPLES} answer pairs scored by {stats.agreement_by}"
        return _pending("agreement", threshold, why)
    share = stats.agreed_rows / stats.compared_rows
    verdict: Verdict = "pass" if share >= threshold else "fail"
    relation = ">=" if verdict == "pass" else "<"
    text = f"agreement {share:.2%} ({stats.agreed_rows}/{stats.compared_rows} rows)"
    if stats.agreement_by is not None:
        text = f"agreement by {stats.agreement_by} {share:.2%} ({stats.compared_rows} pairs)"
    message = f"{text} {relation} {threshold:g}"
    details = dict(stats.agreement_details)
    return Criterion("agreement", share, threshold, verdict, message, details)


def _drift(
    stats: WindowStats,
    spec: LiveDriftSpec,
    ready: bool,
    reference: Mapping[str, Any] | None,
    features: Sequence[str],
) -> Criterion:
    rows = max((len(v) for v in stats.canary_rows.values()), default=0)
    if not ready or rows < spec.min_rows:
        return _pending("drift", spec.max, f"{rows}/{spec.min_rows} live rows")
    if reference is None:
        return Criterion("drift", None, spec.max, "fail", "drift: no reference data to compare")
    columns: dict[str, float] = {}
    try:
        for column in drift_columns(spec, features) or list(reference):
            current = np.asarray(stats.canary_rows.get(column, ()))
            columns[column] = column_psi(reference[column], current, bins=spec.bins).psi
    except (MetricUndefined, KeyError) as exc:
        return Criterion("drift", None, spec.max, "fail", f"drift: undefined ({exc})")
    if not columns:
        return Criterion("drift", None, spec.max, "fail", "drift: no columns to compare")
    worst = max(columns, key=columns.__getitem__)
    criterion = _at_most("drift", columns[worst], spec.max, f"PSI {columns[worst]:.3f} ({worst})")
    return Criterion(
        "drift",
        criterion.value,
        spec.max,
        criterion.verdict,
        criterion.message,
        {"columns": columns, "rows": rows},
    )
