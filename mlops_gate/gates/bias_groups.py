"""The `bias` gate's groups: which group each eval row is in, and the group's readable name.

- One sensitive column: a group per distinct value, named by its text (1 and "1" are one group),
  missing values a group of their own, `(missing)`; names sorted.
- Numeric columns are binned only when the policy says how (`bins:` edges, or a count of
  quantile bins): bin i holds edges[i-1] <= x < edges[i] (`numpy.searchsorted(..., side="right")`),
  the outer bins open to -inf/+inf, so no row is dropped; named like `30 ≤ age < 50`, in bin
  order. Quantile edges are `numpy.quantile` (linear) of the finite values, duplicates removed,
  as the PSI bins are. A numeric column with more than `MAX_UNBINNED` distinct values and no
  `bins` is refused (an error naming `bins`): each value its own group would silently make ~50
  groups of a column such as age (issue 16). Fewer values (a 0/1 flag, a small code) are groups.
- Several columns (`sensitive: [sex, age_band]`): a group per combination present in the data,
  named `sex=F, age_band=30-50` (a binned column's name already says which column), ordered by
  the columns' own orders.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd

    from mlops_gate.gates.context import GateContext

Array: TypeAlias = "npt.NDArray[Any]"
MISSING_GROUP = "(missing)"
MAX_UNBINNED = 10  # distinct values a numeric sensitive column may have without `bins`
BinSpec: TypeAlias = "int | list[float]"


@dataclass(frozen=True)
class Grouping:
    """Each row's group as an index into `names` (the report order), and the edges of binned
    columns (`details.bins`)."""

    keys: Array
    names: list[str]
    bins: dict[str, list[float]] = field(default_factory=dict)


def grouping(columns: list[str], bins: dict[str, BinSpec], context: GateContext) -> Grouping:
    """The groups of the eval rows by `columns` (their combinations when there are several)."""
    parts = [_column_groups(column, bins.get(column), context) for column in columns]
    if len(parts) == 1:
        return parts[0]
    return _intersect(columns, parts)


def _column_groups(column: str, spec: BinSpec | None, context: GateContext) -> Grouping:
    from mlops_gate.errors import GateError

    if column not in context.columns("eval"):
        raise GateError(f"sensitive column '{column}' not found in {context.dataset_path('eval')}")
    series = context.column("eval", column)
    numeric = _is_numeric(series)
    if spec is not None:
        if not numeric:
            raise GateError(f"bins: sensitive column '{column}' is not numeric ({series.dtype})")
        return _binned(column, series, spec)
    if numeric:
        distinct = int(series.nunique(dropna=True))
        if distinct > MAX_UNBINNED:
            raise GateError(
                f"sensitive column '{column}' is numeric with {distinct} distinct values: set "
                f"`bins` for it (edges, e.g. bins: {{{column}: [18, 30, 50]}}, or a number of "
                f"quantile bins, e.g. bins: {{{column}: 4}}) rather than {distinct} groups"
            )
    return _categories(series)


def _is_numeric(series: pd.Series[Any]) -> bool:
    from pandas.api import types

    dtype = series.dtype
    if types.is_bool_dtype(dtype) or types.is_complex_dtype(dtype):
        return False
    return bool(types.is_numeric_dtype(dtype))


def _categories(series: pd.Series[Any]) -> Grouping:
    """A group per distinct value, named by its text, sorted (missing values a group).

    Factorized by hashing, so only the few distinct values become strings and the rows are
    never sorted as Python objects: on a large eval set that took gigabytes and minutes
    (issue #8). Index order is name order, so counting the indices counts the groups in the
    order of their names.
    """
    import numpy as np
    import pandas as pd

    codes, found = pd.factorize(series)
    texts = [str(u) for u in found.tolist()] + [MISSING_GROUP]
    names = sorted(set(texts))
    position = {name: index for index, name in enumerate(names)}  # not names.index: O(n^2)
    rank = np.array([position[t] for t in texts], dtype=np.min_scalar_type(len(names)))
    keys: Array = rank[codes]  # a missing value's code -1 picks the last entry: MISSING_GROUP
    return Grouping(keys, names)


def _binned(column: str, series: pd.Series[Any], spec: BinSpec) -> Grouping:
    """Bins by explicit edges or by `spec` quantiles; missing values a group after the bins."""
    import numpy as np

    from mlops_gate.errors import GateError

    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if isinstance(spec, int):
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            raise GateError(f"bins: sensitive column '{column}' has no finite value to bin")
        edges = np.unique(np.quantile(finite, [i / spec for i in range(1, spec)]))
    else:
        edges = np.asarray(spec, dtype=np.float64)
    index = np.searchsorted(edges, values, side="right")
    index[np.isnan(values)] = len(edges) + 1
    names = [*_bin_names(column, edges.tolist()), MISSING_GROUP]
    keys: Array = index.astype(np.min_scalar_type(len(names)))
    return Grouping(keys, names, {column: [float(e) for e in edges.tolist()]})


def _bin_names(column: str, edges: list[float]) -> list[str]:
    if not edges:
        return [f"every {column}"]
    texts = [_number(e) for e in edges]
    inner = [f"{low} ≤ {column} < {high}" for low, high in itertools.pairwise(texts)]
    return [f"{column} < {texts[0]}", *inner, f"{column} ≥ {texts[-1]}"]


def _number(value: float) -> str:
    """Shortest text that reads back as `value` (18 for 18.0)."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _intersect(columns: list[str], parts: list[Grouping]) -> Grouping:
    """A group per combination present; `np.unique` on a mixed-radix code keeps column order.

    Values are untrusted text: `a, b=c` could spell another combination's name, which would
    merge two groups in every report, so a repeated name is an error.
    """
    import numpy as np

    from mlops_gate.errors import GateError

    combined = np.zeros(len(parts[0].keys), dtype=np.int64)
    for part in parts:
        combined *= len(part.names)
        combined += part.keys
    present, inverse = np.unique(combined, return_inverse=True)
    names = []
    for code in present.tolist():
        labels = []
        for column, part in zip(reversed(columns), reversed(parts), strict=True):
            code, index = divmod(code, len(part.names))
            labels.append(_qualified(column, part, part.names[index]))
        names.append(", ".join(reversed(labels)))
    if len(set(names)) < len(names):
        raise GateError(f"sensitive columns {columns}: two groups have the same name")
    keys: Array = inverse.reshape(-1).astype(np.min_scalar_type(len(names)))
    bins = {column: edges for part in parts for column, edges in part.bins.items()}
    return Grouping(keys, names, bins)


def _qualified(column: str, part: Grouping, name: str) -> str:
    """`sex=F`; a bin's name already names its column (`30 ≤ age < 50`)."""
    if column in part.bins and name != MISSING_GROUP:
        return name
    return f"{column}={name}"
