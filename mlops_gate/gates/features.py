"""Feature columns a model reads that carry nothing: missing on every row, or a single value.

One check for the gates that judge a model by its predictions on the eval set (metric, bias):
a model fed a column that is NaN on every row predicts from its handling of NaN, not from the
data, so a metric or a fairness gap measured on those predictions says nothing about the model
that ships: the gate is `error` (issue 13: both gates passed with every feature NaN). A column with
one value is legal (a feature that is constant in this slice) but worth knowing: the gates list it
in `details.constant_features` and their message.

The scan itself runs once per model and data set, in the evaluation context
(`GateContext.feature_health`), and is shared by every gate of a check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.gates.context import DatasetName, GateContext, Role

SHOWN = 5  # columns named in a message; details hold them all


@dataclass(frozen=True)
class FeatureHealth:
    """The columns, in the model's order, that are missing on every row, and those of one value."""

    all_missing: tuple[str, ...] = ()
    constant: tuple[str, ...] = ()


def feature_health(columns: Iterable[tuple[str, pd.Series[Any]]]) -> FeatureHealth:
    """Scan `(name, column)` pairs one at a time (only one column is alive at once)."""
    missing, constant = [], []
    for name, series in columns:
        if len(series) == 0:
            continue  # an empty eval set is reported by the gates themselves
        if bool(series.isna().all()):
            missing.append(name)
        elif _single_value(series):
            constant.append(name)
    return FeatureHealth(tuple(missing), tuple(constant))


def _single_value(series: pd.Series[Any]) -> bool:
    """One distinct value besides missing ones (min == max for numbers: no hash table)."""
    from pandas.api import types

    dtype = series.dtype
    if types.is_numeric_dtype(dtype) and not types.is_bool_dtype(dtype):
        return bool(series.min() == series.max())
    return int(series.nunique(dropna=True)) == 1


def checked_features(
    context: GateContext, role: Role = "model", dataset: DatasetName = "eval"
) -> list[str]:
    """The constant columns `role` reads in `dataset`; a GateError if one is missing on every row."""
    from mlops_gate.errors import GateError

    health = context.feature_health(role, dataset)
    if health.all_missing:
        names = health.all_missing
        raise GateError(
            f"{context.dataset_path(dataset)}: {_columns(names)} (read by the {role}) "
            f"{_verb(names, 'is', 'are')} NaN on every row: the {role}'s predictions do not "
            "depend on the data, so there is nothing to gate on"
        )
    return list(health.constant)


def constant_note(constant: list[str]) -> str:
    """The message's note on constant columns (empty when there are none)."""
    if not constant:
        return ""
    names = tuple(constant)
    return f"{_columns(names)} {_verb(names, 'has', 'have')} a single value in the eval set"


def _columns(names: tuple[str, ...]) -> str:
    shown = ", ".join(f"'{name}'" for name in names[:SHOWN])
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return f"{_verb(names, 'feature column', 'feature columns')} {shown}{more}"


def _verb(names: tuple[str, ...], one: str, several: str) -> str:
    return one if len(names) == 1 else several
