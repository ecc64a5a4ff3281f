"""The reference profile the live check carries into the cluster gives exactly the offline PSI
(DESIGN.md "Definitions"), for numeric columns with NaN and for categories with missing values."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from mlops_gate.deploy.kubernetes.profile import column_profile, profile_psi
from mlops_gate.metrics.errors import MetricUndefined
from mlops_gate.metrics.psi import column_psi

RNG = np.random.default_rng(14)


def _with_nan(values: np.ndarray, share: float) -> np.ndarray:
    values = values.astype(float)
    values[RNG.random(values.size) < share] = np.nan
    return values


CASES: dict[str, tuple[Any, Any]] = {
    "normal": (RNG.normal(size=3000), RNG.normal(0.3, 1.2, size=400)),
    "nan in both": (_with_nan(RNG.normal(size=2000), 0.05), _with_nan(RNG.normal(size=300), 0.2)),
    "nan live only": (RNG.normal(size=2000), _with_nan(RNG.normal(size=300), 0.1)),
    "few values": (RNG.integers(0, 3, size=500), RNG.integers(0, 5, size=250)),
    "categories": (
        RNG.choice(["a", "b", "c"], size=900).astype(object),
        RNG.choice(["a", "b", "d"], size=200).astype(object),
    ),
    "booleans": (RNG.random(500) < 0.3, RNG.random(300) < 0.6),
}


@pytest.mark.parametrize("case", CASES)
def test_profile_psi_is_the_offline_psi(case: str) -> None:
    reference, current = CASES[case]
    profile = json.loads(json.dumps(column_profile(reference, 10)))  # as the ConfigMap holds it
    live = [None if v != v else v for v in current.tolist()]  # JSON rows: missing is null
    expected = column_psi(reference, current, bins=10).psi
    assert profile_psi(profile, live) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_missing_categories_are_a_bin_of_their_own() -> None:
    reference = np.array(["a", "b", None, "a"], dtype=object)
    current = ["a", None, None, "b"]
    profile = column_profile(reference, 10)
    assert profile == {"kind": "categorical", "counts": {"a": 2, "b": 1}, "missing": 1}
    expected = column_psi(reference, np.array(current, dtype=object)).psi
    assert profile_psi(profile, current) == pytest.approx(expected)


def test_what_cannot_be_compared_is_undefined() -> None:
    profile = column_profile(RNG.normal(size=100), 5)
    with pytest.raises(MetricUndefined, match="non-numeric"):
        profile_psi(profile, ["paris", "nice"])
    with pytest.raises(MetricUndefined, match="no rows"):
        profile_psi(profile, [])
