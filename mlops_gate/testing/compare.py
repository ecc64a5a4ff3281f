"""Comparing model outputs across calls: NaN-aware, labels and numbers alike.

A NaN where the other call has a number is a difference of `inf`; NaN in both places is equal
(that the output is NaN at all is the outputs check's business, not the comparison's).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def row_differences(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row, the largest absolute difference between two outputs of the same rows."""
    import numpy as np

    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise AssertionError(f"outputs differ in shape: {a.shape} vs {b.shape}")
    if len(a) == 0:
        return np.zeros(0)
    if not (np.issubdtype(a.dtype, np.number) and np.issubdtype(b.dtype, np.number)):
        differ = a != b  # labels: equal or not
        return np.where(differ.reshape(len(a), -1).any(axis=1), math.inf, 0.0)
    a, b = a.astype(float).reshape(len(a), -1), b.astype(float).reshape(len(b), -1)
    gap = np.abs(a - b)
    gap[np.isnan(a) & np.isnan(b)] = 0.0
    gap[np.isnan(a) != np.isnan(b)] = math.inf
    worst: np.ndarray = gap.max(axis=1)
    return worst


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """The largest absolute difference between two outputs (0.0 for no rows)."""
    gaps = row_differences(a, b)
    return float(gaps.max()) if len(gaps) else 0.0


def same_outputs(a: np.ndarray, b: np.ndarray, atol: float = 0.0) -> bool:
    return max_abs_diff(a, b) <= atol
