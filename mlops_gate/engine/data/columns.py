"""Column aggregates of the in-process engine: kinds, exact quantiles, bin and category counts.

These are the numbers the drift gate is defined by (DESIGN.md, "PSI"), kept in one place so that
every data engine answers with the same ones: the Spark engine is tested against these functions.
The rules are those the drift gate applied to pandas columns before issue 15 moved them here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from mlops_gate.gates.context import ColumnKind

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ColumnKind", "bin_counts", "category_counts", "dtype_kind", "exact_quantiles"]


def dtype_kind(dtype: Any) -> ColumnKind | None:
    """`numeric` (int/float), `categorical` (bool, string, object, category), or None if PSI
    cannot bin the dtype (datetime, complex, ...)."""
    import pandas as pd
    from pandas.api import types

    if types.is_bool_dtype(dtype):
        return "categorical"
    if types.is_numeric_dtype(dtype) and not types.is_complex_dtype(dtype):
        return "numeric"
    if isinstance(dtype, pd.CategoricalDtype) or types.is_string_dtype(dtype):
        return "categorical"
    return "categorical" if types.is_object_dtype(dtype) else None


def series_kind(series: pd.Series[Any]) -> ColumnKind | None:
    """The column's kind; None too when every value is missing (nothing to bin)."""
    kind = dtype_kind(series.dtype)
    if kind is None or not bool(series.notna().any()):
        return None
    return kind


def as_float(series: pd.Series[Any]) -> npt.NDArray[np.float64]:
    """The values as float64, a missing value (None, NaN, NA) as NaN."""
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def check_probs(probs: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Quantile probabilities as float64, each finite and within [0, 1] (else a caller's bug)."""
    values = np.asarray(probs, dtype=np.float64).reshape(-1)
    if values.size == 0 or not bool(np.all((values >= 0) & (values <= 1))):
        raise ValueError(f"quantile probabilities must lie in [0, 1], got {values.tolist()}")
    return values


def check_edges(edges: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Bin edges as float64, sorted and NaN-free, as `bin_index` requires (else a caller's bug)."""
    values = np.asarray(edges, dtype=np.float64).reshape(-1)
    if np.isnan(values).any() or bool(np.any(values[1:] < values[:-1])):
        raise ValueError(f"bin edges must be sorted and free of NaN, got {values.tolist()}")
    return values


def exact_quantiles(
    values: npt.NDArray[np.float64], probs: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """`numpy.quantile(values, probs, method="linear")`; `values` must be NaN-free and non-empty."""
    with np.errstate(invalid="ignore"):  # inf - inf interpolates to NaN, as numpy does
        return np.asarray(np.quantile(values, probs, method="linear"), dtype=np.float64)


def bin_counts(
    chunks: Iterable[npt.NDArray[np.float64]], edges: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """Counts per `bin_index` bin (len(edges)+1 of them), then the NaN count, summed over chunks."""
    from mlops_gate.metrics.psi import bin_index

    counts = np.zeros(edges.size + 2, dtype=np.int64)
    for values in chunks:
        nan = np.isnan(values)
        present = values[~nan]
        counts[: edges.size + 1] += np.bincount(
            bin_index(present, edges), minlength=edges.size + 1
        ).astype(np.int64)
        counts[-1] += int(nan.sum())
    return counts


def category_counts(series: pd.Series[Any]) -> tuple[dict[str, int], int]:
    """Rows per category, named by `str(value)` (so 1 and "1" are one category), and the missing
    rows (None, NaN): the drift gate's categorical bins."""
    import pandas as pd

    codes, uniques = pd.factorize(series)
    present = codes >= 0
    counts = np.bincount(codes[present], minlength=len(uniques))
    named: dict[str, int] = {}
    for value, count in zip(uniques, counts.tolist(), strict=True):
        if count:
            named[str(value)] = named.get(str(value), 0) + count
    return named, int((~present).sum())


def add_counts(
    total: tuple[dict[str, int], int], part: tuple[dict[str, int], int]
) -> tuple[dict[str, int], int]:
    """Two `category_counts` results as one (a streamed column is counted batch by batch)."""
    named = dict(total[0])
    for category, count in part[0].items():
        named[category] = named.get(category, 0) + count
    return named, total[1] + part[1]
