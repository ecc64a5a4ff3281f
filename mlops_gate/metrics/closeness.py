"""How close one model's outputs are to another's, with numpy `allclose` semantics.

An output `a` is close to its reference `b` when |a - b| ≤ atol + rtol·|b|: `numpy.isclose(a, b,
rtol, atol)`, asymmetric like numpy's, `b` being the reference (the source model's output). A
float32 export of a model whose outputs run to the hundreds differs from its float64 source by a
relative 1e-7 to 1e-6 (issue 16: an XGBRegressor on targets 25 to 346 differed by 3.8e-4 in
absolute terms), so an absolute tolerance alone either fails such models or means nothing for
outputs near 0; `rtol` scales with the output, `atol` covers outputs near 0.

`used` is, per row, the largest share of its tolerance a row's outputs use, |a - b| /
(atol + rtol·|b|): at most 1 where numpy's `isclose` holds for every output of the row (0 for an
exact match, inf for any difference where the tolerance is 0). The gate compares it with 1 like
every limit (inclusive, a few ulps of slack).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.errors import MetricUndefined


@dataclass(frozen=True)
class Closeness:
    """Row-wise closeness of `actual` to `desired` (rows with a NaN/inf on either side apart)."""

    rows: int
    nonfinite: npt.NDArray[np.bool_]  # per row: a NaN or inf output on either side
    used: npt.NDArray[np.float64]  # per row: largest |a - b| / (atol + rtol·|b|); 0 where nonfinite
    max_abs_diff: float  # over finite rows
    max_rel_diff: float  # largest |a - b| / |b| over finite outputs with b ≠ 0
    worst_row: int | None  # the finite row using most of its tolerance
    worst_abs_diff: float  # |a - b| of the worst row's worst output, and that output's tolerance
    worst_allowed: float

    @property
    def max_used(self) -> float:
        """The largest share of its tolerance any finite row uses (0 with no finite row)."""
        return float(self.used.max(initial=0.0))


def closeness(actual: npt.ArrayLike, desired: npt.ArrayLike, rtol: float, atol: float) -> Closeness:
    """Closeness of `actual` to the reference `desired`, row by row (a row: the first axis)."""
    if not (rtol >= 0 and atol >= 0 and np.isfinite(rtol) and np.isfinite(atol)):
        raise MetricUndefined(f"rtol and atol must be finite and >= 0, got {rtol}, {atol}")
    a, b = _rows(actual), _rows(desired)
    if a.shape != b.shape:
        raise MetricUndefined(f"outputs of different shapes: {a.shape} vs {b.shape}")
    nonfinite: npt.NDArray[np.bool_] = np.asarray(
        ~(np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)), dtype=bool
    )
    a, b = np.where(nonfinite[:, None], 0.0, a), np.where(nonfinite[:, None], 0.0, b)
    with np.errstate(all="ignore"):  # 1e308 - -1e308 is inf, a gap beyond any tolerance
        diff = np.abs(a - b)
        allowed = atol + rtol * np.abs(b)
        share = np.where(diff == 0, 0.0, diff / allowed)  # diff > 0 with allowed 0: inf
        relative = np.where(b != 0, diff / np.abs(b), 0.0)
    used = share.max(axis=1, initial=0.0)
    worst_row = int(np.argmax(used)) if a.shape[0] and not nonfinite.all() else None
    worst_col = int(np.argmax(share[worst_row])) if worst_row is not None and a.shape[1] else 0
    at_worst = worst_row is not None and a.shape[1] > 0
    return Closeness(
        rows=int(a.shape[0]),
        nonfinite=nonfinite,
        used=used,
        max_abs_diff=float(diff.max(initial=0.0)),
        max_rel_diff=float(relative.max(initial=0.0)),
        worst_row=worst_row,
        worst_abs_diff=float(diff[worst_row, worst_col]) if at_worst else 0.0,
        worst_allowed=float(allowed[worst_row, worst_col]) if at_worst else atol,
    )


def _rows(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """`values` as a float64 matrix with one row per input row."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0:
        raise MetricUndefined("outputs must have one entry per row, got a scalar")
    columns = int(np.prod(array.shape[1:], dtype=np.int64))
    return array.reshape(array.shape[0], columns)
