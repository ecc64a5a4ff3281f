"""A user's metric function as a `Statistic`: its point value and its bootstrap, one call each.

A custom metric (`mlops_gate.metrics` entry point) is a plain function of the rows, not of
weights, so a bootstrap resample is built as rows: each row repeated as many times as it was
drawn (its weight), in row order. That is one Python call per resample, slower than the
vectorised built-ins (1,000 resamples are 1,000 calls), and the function must not depend on
the order of the rows. Its value must be a finite number; anything else, or an exception, is
`MetricUndefined` naming the function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.bootstrap import Floats, Statistic
from mlops_gate.metrics.errors import MetricUndefined


def custom_statistic(
    name: str,
    function: Callable[[Any, Any, Any], Any],
    y_true: npt.NDArray[Any],
    y_pred: npt.NDArray[Any] | None,
    y_score: npt.NDArray[Any] | None,
) -> Statistic:
    """`function(y_true, y_pred, y_score)` over the rows, and over bootstrap resamples of them."""
    n = len(y_true)
    every = np.arange(n)

    def call(rows: npt.NDArray[np.intp] | None) -> float:
        def take(values: npt.NDArray[Any] | None) -> npt.NDArray[Any] | None:
            return values if values is None or rows is None else values[rows]

        try:
            value = function(take(y_true), take(y_pred), take(y_score))
            number = float(value)
        except Exception as exc:  # a plugin's own failure: reported, not a crash of the tool
            raise MetricUndefined(f"custom metric {name!r} failed: {exc!r}"[:300]) from None
        return number

    def fn(weights: Floats) -> Floats:
        counts = np.rint(weights).astype(np.intp)
        if not np.array_equal(counts, weights):
            raise MetricUndefined(f"custom metric {name!r} needs whole-number row weights")
        return np.array([call(np.repeat(every, row)) for row in counts], dtype=np.float64)

    return Statistic(n, fn, point_fn=lambda: call(None))
