"""Drift tests beside PSI (issue 16): the numbers of scipy's two-sample tests and distances.

Each function returns what scipy returns on the same input, because it is scipy that computes
it (imported here, lazily: only a policy that asks for one of these methods loads scipy). What
this module adds is the input each is given, as docs/gates/drift.md defines it:

- `ks_test`: `scipy.stats.ks_2samp(reference, current)` with scipy's default method (`auto`:
  exact for small samples, else asymptotic) on the non-missing values of each set.
- `normalised_wasserstein`: `scipy.stats.wasserstein_distance(reference, current)` divided by the
  reference's population standard deviation (`numpy.std`, ddof=0), as Evidently normalises it;
  a constant reference (std 0) leaves it undefined.
- `chi_square`: `scipy.stats.chi2_contingency` of the 2 x k table of rows per bin (reference,
  current), with scipy's defaults (Yates' correction only when there are two bins); bins empty in
  both sets are dropped first, since they carry no evidence and make the expected count 0.
- `jensen_shannon`: `scipy.spatial.distance.jensenshannon(reference shares, current shares)` over
  the same bins as PSI, natural logarithm (scipy's default base; at most sqrt(ln 2) ≈ 0.833).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.errors import MetricUndefined

SPARSE_EXPECTED = 5.0  # the textbook floor for an expected count per cell (Cochran, 1954)


@dataclass(frozen=True)
class DriftTest:
    """A test's statistic and, for a hypothesis test, its p-value (None for a distance)."""

    statistic: float
    p_value: float | None = None


def ks_test(reference: npt.ArrayLike, current: npt.ArrayLike) -> DriftTest:
    """Two-sample Kolmogorov-Smirnov statistic and p-value of the non-missing values."""
    from scipy import stats

    ref, cur = _present(reference, "reference"), _present(current, "current")
    with warnings.catch_warnings():
        # scipy says so when its exact p-value does not converge and it falls back to the
        # asymptotic one: that fallback is scipy's default answer, and ours.
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.ks_2samp(ref, cur)
    return DriftTest(float(result.statistic), float(result.pvalue))


def normalised_wasserstein(reference: npt.ArrayLike, current: npt.ArrayLike) -> DriftTest:
    """First Wasserstein distance over the reference's population std (non-missing values)."""
    from scipy import stats

    ref, cur = _present(reference, "reference"), _present(current, "current")
    if not (np.isfinite(ref).all() and np.isfinite(cur).all()):
        raise MetricUndefined("infinite values make the Wasserstein distance undefined")
    with np.errstate(over="ignore", invalid="ignore"):
        std = float(np.std(ref))
    if not math.isfinite(std):
        raise MetricUndefined("the reference values are too large for their standard deviation")
    if std == 0:
        raise MetricUndefined(
            "the reference is constant (standard deviation 0), so the normalised Wasserstein "
            "distance is undefined; use method ks, psi or jensenshannon for this column"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        distance = float(stats.wasserstein_distance(ref, cur)) / std
    if not math.isfinite(distance):
        raise MetricUndefined("the values are too large for the Wasserstein distance")
    return DriftTest(distance)


def chi_square(reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike) -> DriftTest:
    """Chi-square test of homogeneity of the rows per bin of the two sets."""
    from scipy import stats

    table = _table(reference_counts, current_counts)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        # Every row of both sets in one bin: scipy's answer for a 2 x 1 table (no evidence).
        return DriftTest(0.0, 1.0)
    result = stats.chi2_contingency(table)
    return DriftTest(float(result.statistic), float(result.pvalue))


def jensen_shannon(reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike) -> DriftTest:
    """Jensen-Shannon distance (natural log) between the two sets' shares of rows per bin."""
    from scipy.spatial import distance

    table = _table(reference_counts, current_counts)
    ref, cur = table[0] / table[0].sum(), table[1] / table[1].sum()
    with np.errstate(invalid="ignore"):
        value = float(distance.jensenshannon(ref, cur))
    # scipy takes the square root of a divergence that rounds a hair below 0 for (nearly) equal
    # shares, giving NaN: that distance is 0.
    return DriftTest(0.0 if math.isnan(value) else value)


def expected_counts(
    reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Each cell's expected count under no drift (row total x bin total / all rows), as
    `chi2_contingency` computes them, for the bins either set fills."""
    table = _table(reference_counts, current_counts).astype(np.float64)
    table = table[:, table.sum(axis=0) > 0]
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    return np.asarray(expected, dtype=np.float64)


def _table(reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike) -> npt.NDArray[np.int64]:
    ref = np.asarray(reference_counts, dtype=np.int64).reshape(-1)
    cur = np.asarray(current_counts, dtype=np.int64).reshape(-1)
    if ref.size != cur.size:
        raise ValueError(f"the two sets have {ref.size} and {cur.size} bins")
    if (ref < 0).any() or (cur < 0).any():
        raise ValueError("counts must not be negative")
    if ref.sum() == 0:
        raise MetricUndefined("the reference set has no rows")
    if cur.sum() == 0:
        raise MetricUndefined("the current set has no rows")
    return np.vstack([ref, cur])


def _present(values: npt.ArrayLike, which: str) -> npt.NDArray[np.float64]:
    """The values as float64 without NaN (a missing value has no place on a CDF)."""
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    present = array[~np.isnan(array)]
    if present.size == 0:
        raise MetricUndefined(f"the {which} set has no non-missing values")
    return present
