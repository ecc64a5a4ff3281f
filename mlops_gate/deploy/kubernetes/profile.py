"""`data.reference` as the live check carries it into the cluster: per column, the bin edges and
counts that DESIGN.md's PSI needs, small enough for a ConfigMap (the data set itself stays out).

Numeric: the interior edges (`metrics.psi.quantile_edges`) and the reference's count per bin, the
last count being its NaN rows. Categorical: the count per category and of missing values.
`profile_psi` gives exactly `metrics.psi.column_psi(reference, current)` from these (a test
checks it), so the cluster judges drift with the offline definition.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.errors import MetricUndefined
from mlops_gate.metrics.psi import (
    DEFAULT_EPSILON,
    bin_index,
    counted_categorical_psi,
    is_numeric,
    psi_from_shares,
    quantile_edges,
)

Profile = dict[str, Any]


def reference_profile(columns: dict[str, npt.ArrayLike], bins: int) -> dict[str, Profile]:
    """The profile of each reference column, by name."""
    return {name: column_profile(values, bins) for name, values in columns.items()}


def column_profile(values: npt.ArrayLike, bins: int) -> Profile:
    array = np.asarray(values)
    if array.size == 0:
        raise MetricUndefined("the reference set has no rows")
    if is_numeric(array):
        ref = array.astype(np.float64).reshape(-1)
        nan = np.isnan(ref)
        edges = quantile_edges(ref[~nan], bins)
        return {"kind": "numeric", "edges": edges.tolist(), "counts": _counts(ref, edges).tolist()}
    keys, missing = _category_keys(array.reshape(-1).tolist())
    return {
        "kind": "categorical",
        "counts": dict(sorted(Counter(keys).items())),
        "missing": missing,
    }


def profile_psi(
    profile: Profile, current: Sequence[Any], epsilon: float = DEFAULT_EPSILON
) -> float:
    """PSI of `current` (live values of one column, None for missing) against the profile."""
    if len(current) == 0:
        raise MetricUndefined("the current set has no rows")
    if profile["kind"] == "categorical":
        keys, missing = _category_keys(list(current))
        found = counted_categorical_psi(
            profile["counts"], dict(Counter(keys)), (profile["missing"], missing), epsilon=epsilon
        )
        return found.psi
    try:
        cur = np.asarray(current, dtype=np.float64)
    except (TypeError, ValueError):
        raise MetricUndefined("a numeric reference column received non-numeric values") from None
    edges = np.asarray(profile["edges"], dtype=np.float64)
    ref_counts, cur_counts = np.asarray(profile["counts"]), _counts(cur, edges)
    keep = ref_counts.size if ref_counts[-1] or cur_counts[-1] else ref_counts.size - 1
    ref_shares = ref_counts[:keep] / ref_counts.sum()
    return psi_from_shares(ref_shares, cur_counts[:keep] / cur_counts.sum(), epsilon)


def _counts(values: npt.NDArray[np.float64], edges: npt.NDArray[np.float64]) -> npt.NDArray[Any]:
    """Rows per bin (`searchsorted(edges, x, side="right")`), NaN rows in a last slot."""
    nan = np.isnan(values)
    index = bin_index(values, edges)
    index[nan] = edges.size + 1
    return np.bincount(index, minlength=edges.size + 2)


def _category_keys(values: list[Any]) -> tuple[list[str], int]:
    """Each present value as a string key (JSON for non-strings, so True and "True" stay two
    categories, as they are offline), and how many values were missing (None or NaN)."""
    keys = [
        value if isinstance(value, str) else json.dumps(value, default=str)
        for value in values
        if not (value is None or value != value)  # NaN is the one value unequal to itself
    ]
    return keys, len(values) - len(keys)
