"""`drift` gate: Population Stability Index per column (and on model scores), reference vs eval."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig, is_above, verdict_at_most

if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd

    from mlops_gate.gates.context import DatasetName, GateContext
    from mlops_gate.loaders.data import ParquetSource
    from mlops_gate.metrics.psi import ColumnPsi
    from mlops_gate.results import GateResult

T = TypeVar("T")
Array: TypeAlias = "npt.NDArray[Any]"
Arrays: TypeAlias = "tuple[npt.NDArray[Any], npt.NDArray[Any]]"
DIGITS = 6  # PSI and shares in details: enough to recompute, short enough to read
SHOWN = 3  # columns named in the message


class Config(GateConfig):
    """PSI as DESIGN.md defines it; the gate value is the largest PSI over the columns.

    `max`/`warn` are inclusive (a PSI equal to `max` passes), compared with a tolerance of a few
    ulps (`gates/base.py`).
    """

    type: Literal["drift"]
    method: Literal["psi"] = "psi"
    bins: int = Field(default=10, ge=2, le=1000, description="Quantile bins from the reference.")
    max: float = Field(gt=0, description="Fail if any column's PSI is above this.")
    warn: float | None = Field(
        default=None, gt=0, description="Warn if any column's PSI is above this."
    )
    columns: Literal["all"] | list[str] = Field(
        default="all", description="`all` (the features) or a list of columns."
    )
    predictions: bool = Field(
        default=False, description="Also compare the model's scores on both sets."
    )
    epsilon: float = Field(default=1e-6, gt=0, lt=0.01, description="Lower clip for bin shares.")

    requires = frozenset({"reference", "eval"})

    def required_inputs(self) -> frozenset[str]:
        return self.requires | ({"model"} if self.predictions else set())

    @model_validator(mode="after")
    def _warn_below_max(self) -> Config:
        if self.warn is not None and self.warn > self.max:
            raise ValueError("warn is greater than max")
        if isinstance(self.columns, list) and not self.columns:
            raise ValueError("columns is empty: list at least one column, or use `all`")
        return self


def evaluate(config: Config, context: GateContext) -> GateResult:
    """PSI of every compared column (and of the model's scores), gated on the largest."""
    from mlops_gate.errors import GateError

    current_source = context.source("eval")
    results = {}
    # One column at a time: only one column's converted copies are alive at once. A streamed
    # (large) eval set is counted batch by batch against the whole reference column's edges.
    for name in _columns(config, context):
        reference = context.column("reference", name)
        if current_source is None:
            results[name] = _column_psi(name, reference, context.column("eval", name), config)
        else:
            results[name] = _streamed_column_psi(name, reference, current_source, config)
        del reference
    if config.predictions:
        from mlops_gate.metrics.psi import numeric_psi

        for name, (ref, cur) in _prediction_scores(context).items():
            if name in results:
                raise GateError(f"column '{name}' clashes with the name of the prediction scores")
            psi = functools.partial(numeric_psi, ref, cur, bins=config.bins, epsilon=config.epsilon)
            results[name] = _undefined_is_error(name, psi)
    return _result(config, results)


def _column_psi(
    name: str, reference: pd.Series[Any], current: pd.Series[Any], config: Config
) -> ColumnPsi:
    from mlops_gate.metrics.psi import coded_categorical_psi, numeric_psi

    if _column_kind(name, reference, current) == "numeric":
        ref, cur = _numeric(reference), _numeric(current)
        return _undefined_is_error(
            name, lambda: numeric_psi(ref, cur, bins=config.bins, epsilon=config.epsilon)
        )
    ref_codes, cur_codes, categories = _factorize(reference, current)
    return _undefined_is_error(
        name,
        lambda: coded_categorical_psi(ref_codes, cur_codes, categories, epsilon=config.epsilon),
    )


def _streamed_column_psi(
    name: str, reference: pd.Series[Any], current: ParquetSource, config: Config
) -> ColumnPsi:
    """`_column_psi` with the eval column read in record batches: the same result, bounded memory."""
    import itertools

    from mlops_gate.metrics.psi import StreamedNumericPsi, counted_categorical_psi

    batches = (frame[name] for frame in current.batches([name]))
    first = next(batches)
    chunks = itertools.chain([first], batches)
    if _column_kind(name, reference, first) == "numeric":
        counter = _undefined_is_error(
            name, lambda: StreamedNumericPsi(_numeric(reference), bins=config.bins)
        )
        for chunk in chunks:
            counter.add(_numeric(chunk))
        return _undefined_is_error(name, lambda: counter.result(epsilon=config.epsilon))
    ref_counts, ref_missing = _category_counts(reference)
    cur_counts: dict[str, int] = {}
    cur_missing = 0
    for chunk in chunks:
        counts, missing = _category_counts(chunk)
        cur_missing += missing
        for category, count in counts.items():
            cur_counts[category] = cur_counts.get(category, 0) + count
    return _undefined_is_error(
        name,
        lambda: counted_categorical_psi(
            ref_counts, cur_counts, (ref_missing, cur_missing), epsilon=config.epsilon
        ),
    )


def _category_counts(series: pd.Series[Any]) -> tuple[dict[str, int], int]:
    """Rows per category, named by text as `_factorize` names them, and the missing rows."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series)
    present = codes >= 0
    counts = np.bincount(codes[present], minlength=len(uniques))
    named: dict[str, int] = {}
    for value, count in zip(uniques, counts.tolist(), strict=True):
        if count:
            named[str(value)] = named.get(str(value), 0) + count
    return named, int((~present).sum())


def _undefined_is_error(name: str, compute: Callable[[], T]) -> T:
    from mlops_gate.errors import GateError
    from mlops_gate.metrics.errors import MetricUndefined

    try:
        return compute()
    except MetricUndefined as exc:
        raise GateError(f"drift on '{name}': {exc}") from None


def _columns(config: Config, context: GateContext) -> list[str]:
    """The compared columns; each must be in both sets, or the error lists what is missing where."""
    from mlops_gate.errors import GateError

    if config.columns != "all":
        names = list(dict.fromkeys(config.columns))
    else:
        names = context.features()
        data = context.policy.data
        if data.features is None:
            # features() reads the eval columns; a feature only the reference has is a difference.
            skip = {data.target, *data.ignore}
            names = list(
                dict.fromkeys([*names, *(c for c in context.columns("reference") if c not in skip)])
            )
    if not names:
        raise GateError("no columns to compare (every column is the target or ignored)")
    sets: tuple[DatasetName, ...] = ("reference", "eval")
    gaps = [
        f"missing from {context.dataset_path(which)}: {', '.join(missing)}"
        for which in sets
        if (missing := [n for n in names if n not in set(context.columns(which))])
    ]
    if gaps:
        raise GateError("reference and eval columns differ: " + "; ".join(gaps))
    return names


def _column_kind(name: str, reference: pd.Series[Any], current: pd.Series[Any]) -> str:
    """`numeric` or `categorical`, the same in both sets, else a GateError saying why not."""
    from mlops_gate.errors import GateError

    ref_kind, cur_kind = _kind(reference), _kind(current)
    for kind, series in ((ref_kind, reference), (cur_kind, current)):
        if kind is None:
            raise GateError(
                f"column '{name}' has dtype {series.dtype}, which drift cannot bin "
                "(list the columns to compare, or add it to data.ignore)"
            )
    if ref_kind != cur_kind:
        raise GateError(
            f"column '{name}' is {ref_kind} in reference ({reference.dtype}) "
            f"but {cur_kind} in eval ({current.dtype})"
        )
    return str(ref_kind)


def _kind(series: pd.Series[Any]) -> str | None:
    """`numeric`, `categorical` (string, object, category, bool), or None if PSI cannot bin it."""
    import pandas as pd
    from pandas.api import types

    dtype = series.dtype
    if types.is_bool_dtype(dtype):
        return "categorical"
    if types.is_numeric_dtype(dtype) and not types.is_complex_dtype(dtype):
        return "numeric"
    if isinstance(dtype, pd.CategoricalDtype) or types.is_string_dtype(dtype):
        return "categorical"
    return "categorical" if types.is_object_dtype(dtype) else None


def _numeric(series: pd.Series[Any]) -> Array:
    import numpy as np

    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _factorize(
    reference: pd.Series[Any], current: pd.Series[Any]
) -> tuple[Array, Array, list[str]]:
    """Codes of both sets over the categories seen in either, -1 for a missing value.

    Categories are named by their text and ordered by it, so 1 and "1" in one object column are
    one category and mixed types stay orderable. pandas factorizes by hashing (O(n)); only the
    few distinct values are turned into text and sorted.
    """
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(pd.concat([reference, current], ignore_index=True))
    names, merged = np.unique(
        np.array([str(u) for u in uniques], dtype=object), return_inverse=True
    )
    coded = np.full(codes.shape, -1, dtype=np.intp)
    present = codes >= 0
    coded[present] = merged.reshape(-1)[codes[present]]
    return coded[: len(reference)], coded[len(reference) :], [str(n) for n in names]


def _prediction_scores(context: GateContext) -> dict[str, Arrays]:
    """Scores per set: regression values, the positive-class probability, or one per class."""
    from mlops_gate.errors import GateError

    ref, cur = context.predictions("model", "reference"), context.predictions("model", "eval")
    if context.task == "regression":
        if ref.values is None or cur.values is None:
            raise GateError("the model has no regression output to compare")
        return {"prediction": (_as_float(ref.values), _as_float(cur.values))}
    classes = cur.classes or ()
    if len(classes) == 2:
        pos = context.pos_label
        return {
            "prediction": (_as_float(ref.positive_scores(pos)), _as_float(cur.positive_scores(pos)))
        }
    # Index each set by class name: the two sets' class orders are settled independently.
    return {
        f"prediction[{label}]": (
            _as_float(ref.require_proba()[:, ref.class_index(label)]),
            _as_float(cur.require_proba()[:, cur.class_index(label)]),
        )
        for label in classes
    }


def _as_float(values: Array) -> Array:
    import numpy as np

    return np.asarray(values, dtype=np.float64).reshape(-1)


def _result(config: Config, results: dict[str, ColumnPsi]) -> GateResult:
    from mlops_gate.results import GateResult

    value = max(r.psi for r in results.values())
    details: dict[str, Any] = {
        "columns": {name: round(r.psi, DIGITS) for name, r in results.items()},
        "bins": {name: _bins(r) for name, r in results.items()},
        "comparator": "≤",
        "warn": config.warn,
    }
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=verdict_at_most(value, config.max, config.warn),
        value=value,
        threshold=config.max,
        message=_message(config, {name: r.psi for name, r in results.items()}),
        details=details,
    )


def _bins(result: ColumnPsi) -> dict[str, Any]:
    import math

    bins: dict[str, Any] = {}
    if result.edges is not None:
        # JSON has no infinity: an infinite edge (from infinite data) is reported as null.
        bins["edges"] = [e if math.isfinite(e) else None for e in result.edges]
    else:
        bins["categories"] = list(result.categories or ())
    bins["reference"] = [round(s, DIGITS) for s in result.reference]
    bins["current"] = [round(s, DIGITS) for s in result.current]
    bins["missing"] = result.missing_bin
    return bins


def _message(config: Config, psi: dict[str, float]) -> str:
    """E.g. "PSI 0.31 on income (> 0.2); 2 of 20 columns above warn 0.1"."""
    ranked = sorted(psi.items(), key=lambda item: item[1], reverse=True)
    over = [(name, value) for name, value in ranked if is_above(value, config.max)]
    if over:
        shown = ", ".join(f"{value:.3g} on {name}" for name, value in over[:SHOWN])
        more = f" and {len(over) - SHOWN} more" if len(over) > SHOWN else ""
        head = f"PSI {shown}{more} (> {config.max:g})"
    else:
        head = f"largest PSI {ranked[0][1]:.3g} on {ranked[0][0]} (≤ {config.max:g})"
    limit_name, limit = ("warn", config.warn) if config.warn is not None else ("max", config.max)
    above = sum(is_above(value, limit) for _, value in ranked)
    return f"{head}; {above} of {len(ranked)} columns above {limit_name} {limit:g}"


# Report pieces, found by name by the reporters (mlops_gate/reports/pieces.py).

VIEW = "mlops_gate.gates.views.drift"
"""Where reports/pieces.py finds this gate's charts, breakdown and facts."""
