"""How the drift gate measures one column (or one set of model scores) with one method.

The data comes as two `Sample`s (reference, current; `gates/drift_samples.py`) that answer
aggregates. PSI, chi-square and Jensen-Shannon need only quantiles and counts, so they run on
every engine; KS and Wasserstein need every value of the column (`Sample.values`), which the
Spark engine refuses to bring to the driver. docs/gates/drift.md defines each method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from mlops_gate.gates.context import ColumnKind
    from mlops_gate.gates.drift_samples import Sample
    from mlops_gate.metrics.drift_tests import DriftTest
    from mlops_gate.metrics.psi import ColumnPsi
    from mlops_gate.results import Verdict

Method = Literal["psi", "ks", "chisquare", "wasserstein", "jensenshannon"]
P_VALUE_METHODS = frozenset({"ks", "chisquare"})  # drifted when p < alpha
VALUE_METHODS = frozenset({"ks", "wasserstein"})  # need every value, not counts
AUTO_SMALL_ROWS = 1000  # Evidently's default: reference rows up to this use a test, else a distance
DEFAULT_DISTANCE_MAX = 0.1  # Evidently's default threshold for wasserstein and jensenshannon
LABELS = {
    "psi": "PSI",
    "ks": "KS",
    "chisquare": "chi-square",
    "wasserstein": "Wasserstein (normalised)",
    "jensenshannon": "Jensen-Shannon",
}


@dataclass(frozen=True)
class ColumnDrift:
    """One column's result: the method used, its number(s), its verdict, the bins behind it."""

    method: Method
    statistic: float
    p_value: float | None
    verdict: Verdict
    binned: ColumnPsi | None = None
    sparse: str | None = None

    @property
    def drifted(self) -> bool:
        from mlops_gate.results import Verdict

        return self.verdict == Verdict.FAIL


class Settings(Protocol):
    """The gate options a measurement reads (the drift gate's Config)."""

    @property
    def method(self) -> str: ...

    @property
    def bins(self) -> int: ...

    @property
    def epsilon(self) -> float: ...

    @property
    def alpha(self) -> float: ...

    @property
    def warn(self) -> float | None: ...

    def distance_max(self, method: str) -> float: ...


def measure(name: str, reference: Sample, current: Sample, settings: Settings) -> ColumnDrift:
    """`name`'s drift between the two samples, with the configured (or `auto`-chosen) method."""
    from mlops_gate.errors import GateError
    from mlops_gate.metrics.errors import MetricUndefined

    kind = _kind(name, reference, current)
    try:
        method = choose_method(settings.method, kind, reference)
        if method in VALUE_METHODS:
            return _on_values(name, method, kind, reference, current, settings)
        return _on_bins(name, method, kind, reference, current, settings)
    except MetricUndefined as exc:
        raise GateError(f"drift on '{name}': {exc}") from None


def choose_method(method: str, kind: ColumnKind, reference: Sample) -> Method:
    """The configured method, or `auto`'s choice (Evidently's defaults, docs/gates/drift.md)."""
    if method != "auto":
        return method  # type: ignore[return-value]  # Config's Literal, minus "auto"
    small = reference.rows() <= AUTO_SMALL_ROWS
    if kind == "categorical":
        return "chisquare" if small else "jensenshannon"
    if small:
        return "ks"
    # A constant reference leaves the normalised Wasserstein undefined; Evidently sends a
    # column with few distinct values (n_unique <= 5) to its categorical test too.
    low, high = reference.quantiles([0.0, 1.0]).tolist()
    return "jensenshannon" if low == high else "wasserstein"


def _kind(name: str, reference: Sample, current: Sample) -> ColumnKind:
    """The column's kind in both sets; a set whose values are all missing takes the other's."""
    from mlops_gate.errors import GateError

    ref_kind, cur_kind = reference.kind(), current.kind()
    if ref_kind is None and cur_kind is None:
        raise GateError(
            f"column '{name}' has nothing drift can bin in either set (every value is missing, "
            "or a type such as a date): list the columns to compare, or add it to data.ignore"
        )
    if ref_kind is not None and cur_kind is not None and ref_kind != cur_kind:
        raise GateError(f"column '{name}' is {ref_kind} in reference but {cur_kind} in eval")
    kind = ref_kind or cur_kind
    assert kind is not None
    return kind


def _on_values(
    name: str, method: Method, kind: ColumnKind, ref: Sample, cur: Sample, settings: Settings
) -> ColumnDrift:
    from mlops_gate.errors import GateError
    from mlops_gate.metrics.drift_tests import ks_test, normalised_wasserstein

    if kind != "numeric":
        raise GateError(
            f"drift method {method} compares numeric columns, and '{name}' is categorical: "
            "use chisquare, jensenshannon or psi, or method auto"
        )
    compute = ks_test if method == "ks" else normalised_wasserstein
    return _drift(method, compute(ref.values(method), cur.values(method)), settings)


def _on_bins(
    name: str, method: Method, kind: ColumnKind, ref: Sample, cur: Sample, settings: Settings
) -> ColumnDrift:
    from mlops_gate.metrics.drift_tests import DriftTest, chi_square, jensen_shannon

    binned = _bins(kind, ref, cur, settings)
    counts = (binned.reference_counts, binned.current_counts)
    if method == "psi":
        test = DriftTest(binned.psi)
    else:
        test = chi_square(*counts) if method == "chisquare" else jensen_shannon(*counts)
    note = sparse_note(name, method, binned, settings.epsilon)
    return _drift(method, test, settings, binned=binned, sparse=note)


def _bins(kind: ColumnKind, ref: Sample, cur: Sample, settings: Settings) -> ColumnPsi:
    """DESIGN.md's PSI bins, counted by each sample: reference quantiles, or categories."""
    from mlops_gate.metrics.psi import (
        counted_categorical_psi,
        counted_numeric_psi,
        edges_from_quantiles,
        quantile_probs,
    )

    if kind == "numeric":
        edges = edges_from_quantiles(ref.quantiles(quantile_probs(settings.bins).tolist()))
        return counted_numeric_psi(
            ref.bin_counts(edges), cur.bin_counts(edges), edges, epsilon=settings.epsilon
        )
    (ref_counts, ref_missing), (cur_counts, cur_missing) = (
        ref.category_counts(),
        cur.category_counts(),
    )
    return counted_categorical_psi(
        ref_counts, cur_counts, (ref_missing, cur_missing), epsilon=settings.epsilon
    )


def _drift(method: Method, test: DriftTest, settings: Settings, **extra: Any) -> ColumnDrift:
    from mlops_gate.gates.base import is_below, verdict_at_most
    from mlops_gate.results import Verdict

    if method in P_VALUE_METHODS:
        p = test.p_value
        if p is None or math.isnan(p):
            verdict = Verdict.ERROR
        else:
            verdict = Verdict.FAIL if is_below(p, settings.alpha) else Verdict.PASS
    else:
        limit = settings.distance_max(method)
        warn = settings.warn if settings.warn is not None and settings.warn <= limit else None
        verdict = verdict_at_most(test.statistic, limit, warn)
    return ColumnDrift(method, test.statistic, test.p_value, verdict, **extra)


def sparse_note(name: str, method: str, binned: ColumnPsi, epsilon: float) -> str | None:
    """Why the bins are too sparse to trust (issue 16: one empty bin on a 72-row set added 0.84
    to PSI), or None: an expected count below 5 in a bin, or (PSI) one bin that one set leaves
    empty giving more than half of the PSI (its term is set by `epsilon`, not by the data)."""
    import numpy as np

    from mlops_gate.metrics.drift_tests import SPARSE_EXPECTED, expected_counts
    from mlops_gate.metrics.psi import psi_terms

    reasons = []
    smallest = float(expected_counts(binned.reference_counts, binned.current_counts).min())
    if smallest < SPARSE_EXPECTED:
        reasons.append(f"a bin expects {smallest:.3g} rows (< {SPARSE_EXPECTED:g})")
    if method == "psi" and binned.psi > 0:
        ref, cur = np.array(binned.reference_counts), np.array(binned.current_counts)
        terms = psi_terms(binned.reference, binned.current, epsilon)[(ref == 0) != (cur == 0)]
        if terms.size and float(terms.max()) > binned.psi / 2:
            reasons.append(f"one empty bin gives {terms.max():.3g} of PSI {binned.psi:.3g}")
    if not reasons:
        return None
    return f"{name}: sparse bins, {'; '.join(reasons)}: use fewer bins, more rows, or method ks"
