"""Which class the `bias` gate treats as positive, and which rows hold it.

A binary model's positive class is the gate's `pos_label`, else `model.pos_label` (default 1).
A multiclass model is gated one class against the rest; which class, and where that choice came
from, is stated (issue 16: it used class 1 without saying so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import numpy.typing as npt

    from mlops_gate.gates.context import GateContext, Role

Array: TypeAlias = "npt.NDArray[Any]"


@dataclass(frozen=True)
class PositiveClass:
    """The class gated as positive, as the model spells it; `note` says so for multiclass."""

    label: Any
    note: str | None = None


def positive_class(pos_label: Any, context: GateContext, role: Role = "model") -> PositiveClass:
    """The positive label as `role`'s classes spell it (checked to be one of them)."""
    predictions = context.predictions(role, "eval")
    label = pos_label if pos_label is not None else context.pos_label
    classes = predictions.classes
    if not classes:
        return PositiveClass(label)
    found = classes[predictions.class_index(label)]
    if len(classes) <= 2:
        return PositiveClass(found)
    model = context.policy.model
    if pos_label is not None:
        source = "the gate's pos_label"
    elif model is not None and "pos_label" in model.model_fields_set:
        source = "model.pos_label"
    else:
        source = "the default pos_label; set pos_label to choose"
    others = len(classes) - 1
    return PositiveClass(found, f"class {found} against the other {others} classes ({source})")


def matches(values: Array, label: Any) -> Array:
    """Rows equal to `label` by value or by spelling (a CSV target "1" matches a model label 1).

    Decided once per distinct value, then looked up per row (no per-row strings).
    """
    import numpy as np

    values = np.asarray(values).reshape(-1)
    distinct = np.unique(values) if values.dtype.kind != "O" else _object_distinct(values)
    by_value = np.asarray(distinct == label, dtype=bool)
    if by_value.shape != distinct.shape:  # an incomparable scalar answer
        by_value = np.zeros(distinct.shape, dtype=bool)
    by_spelling = np.asarray(distinct.astype(str) == str(label), dtype=bool)
    matched: Array = np.isin(values, distinct[by_value | by_spelling])
    return matched


def _object_distinct(values: Array) -> Array:
    """Distinct values of an object array (mixed types need not be orderable)."""
    import numpy as np
    import pandas as pd

    out: Array = np.asarray(pd.unique(values), dtype=object)
    return out
