"""The bias gate's groups and group rates on Spark: counts per group, never the rows.

`grouping` names the groups as `gates/bias_groups.py` does (a group per distinct value named by
its text as pandas holds it, `(missing)` for a missing one, sorted; `col=value, ...` for the
combinations of several columns, in the columns' orders), from the distinct values Spark finds.
`group_rates_of` counts, in one aggregate job, the rows of each (group, predicted positive,
labelled positive) cell, and builds the `GroupRates` that `metrics/fairness.py` builds from the
arrays: selection rate, TPR and FPR per group are then the same numbers (fairlearn's).
The positive class and which labels match it are decided by the gate's own functions
(`gates/bias_labels.py`) on the few distinct labels, then applied by Spark (`isin`).

Not on Spark yet (a GateError says what to do): `bins` for numeric sensitive columns, the
regression gaps (mae/rmse_difference) and `confidence` (its bootstrap resamples rows in memory).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_gate.errors import GateError

if TYPE_CHECKING:
    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.gates.bias import Config
    from mlops_gate.gates.bias_groups import Grouping
    from mlops_gate.gates.bias_labels import PositiveClass
    from mlops_gate.gates.context import Role
    from mlops_gate.metrics.fairness import GroupRates

ON_PANDAS = "run this gate with data.engine: pandas"


def grouping(config: Config, context: EvaluationContext) -> Grouping:
    """The groups' names in report order (`Grouping.keys` stays empty: rows stay on Spark)."""
    import numpy as np

    from mlops_gate.gates.bias_config import REGRESSION_METRICS
    from mlops_gate.gates.bias_groups import Grouping

    if config.confidence is not None:
        raise GateError(f"bias `confidence` resamples rows in memory: drop it or {ON_PANDAS}")
    if config.metric in REGRESSION_METRICS:
        raise GateError(f"{config.metric} on the spark engine is not available: {ON_PANDAS}")
    ordered = sorted(set(_names(config, context).values()), key=lambda named: named[1])
    return Grouping(np.empty(0, dtype=np.int64), [name for name, _ in ordered])


def group_rates_of(
    config: Config, context: EvaluationContext, groups: Grouping, role: Role
) -> tuple[GroupRates, PositiveClass]:
    """`gates/bias_sides.group_rates_of` from one Spark aggregate over the scored eval table."""
    import numpy as np
    from pyspark.sql import functions as F

    from mlops_gate.engine.data.spark.aggregates import quoted
    from mlops_gate.engine.data.spark.scoring import LABEL, scored
    from mlops_gate.metrics.fairness import GroupRates

    table = scored(context, role, "eval")
    if not table.has_labels:
        raise GateError("the model has no label output")
    positive = _positive(config, context, role, table.classes)
    predicted = _matching(table.frame, LABEL, positive.label)
    needs_truth = "target" in config.required_inputs()
    actual = (
        _matching(table.frame, _target(context, table.frame), positive.label)
        if needs_truth
        else F.lit(False)
    )
    named = _names(config, context)
    columns = [quoted(c).alias(f"g{i}") for i, c in enumerate(config.columns)]
    cells = table.frame.groupBy(*columns, predicted.alias("p"), actual.alias("a")).count().collect()
    index = {name: i for i, name in enumerate(groups.names)}
    table_ = np.zeros((len(groups.names), 2, 2), dtype=np.int64)  # [group, predicted, actual]
    for row in cells:
        key = tuple(row[f"g{i}"] for i in range(len(columns)))
        table_[index[named[_key(key)][0]], int(row["p"]), int(row["a"])] += int(row["count"])
    rows = table_.sum(axis=(1, 2))
    present = rows > 0
    found = table_[present]
    labels = tuple(name for name, keep in zip(groups.names, present.tolist(), strict=True) if keep)
    selected = found[:, 1, :].sum(axis=1)
    if not needs_truth:
        return GroupRates(groups=labels, rows=rows[present], selected=selected), positive
    rates = GroupRates(
        groups=labels,
        rows=rows[present],
        selected=selected,
        positives=found[:, :, 1].sum(axis=1),
        true_positives=found[:, 1, 1],
        false_positives=found[:, 1, 0],
    )
    return rates, positive


def _names(config: Config, context: EvaluationContext) -> dict[Any, tuple[str, Any]]:
    """Each distinct (tuple of) sensitive value(s) -> its group's name and sort key, as the gate
    names and orders them (several columns: by each column's sorted names, in column order)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from mlops_gate.engine.data.spark.aggregates import quoted
    from mlops_gate.gates.bias_groups import MAX_UNBINNED

    frame = context.data.table("eval")  # type: ignore[attr-defined]
    texts = []
    for column in config.columns:
        if column not in frame.columns:
            raise GateError(
                f"sensitive column '{column}' not found in {context.dataset_path('eval')}"
            )
        kind = frame.schema[column].dataType
        numeric = isinstance(kind, T.NumericType)
        if column in config.bin_specs:
            raise GateError(
                f"bins for sensitive column '{column}' on the spark engine: {ON_PANDAS}"
            )
        if numeric:
            distinct = frame.select(F.count_distinct(quoted(column))).first()[0]
            if distinct > MAX_UNBINNED:
                raise GateError(
                    f"sensitive column '{column}' is numeric with {distinct} distinct values: set "
                    f"`bins` for it rather than {distinct} groups"
                )
        texts.append(_text_of(frame, column, kind))
    from mlops_gate.gates.bias_groups import MISSING_GROUP

    values = frame.select(*[quoted(c) for c in config.columns]).distinct().collect()
    parts = {
        _key(tuple(row)): [text(v) for text, v in zip(texts, row, strict=True)] for row in values
    }
    if len(config.columns) == 1:
        return {key: (texts_[0], texts_[0]) for key, texts_ in parts.items()}
    orders = [
        sorted({texts_[i] for texts_ in parts.values()} | {MISSING_GROUP})
        for i in range(len(config.columns))
    ]
    return {
        key: (
            ", ".join(f"{c}={t}" for c, t in zip(config.columns, texts_, strict=True)),
            tuple(order.index(t) for order, t in zip(orders, texts_, strict=True)),
        )
        for key, texts_ in parts.items()
    }


def _text_of(frame: Any, column: str, kind: Any) -> Any:
    """How pandas would print a value of this Spark column: an integer column with a missing
    value is float64 in pandas (1 reads "1.0"); a missing value is `(missing)`."""
    import math

    from pyspark.sql import types as T

    from mlops_gate.engine.data.spark.aggregates import quoted
    from mlops_gate.gates.bias_groups import MISSING_GROUP

    integral = isinstance(kind, T.IntegralType)
    widened = integral and frame.filter(quoted(column).isNull()).limit(1).count() > 0

    def text(value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return MISSING_GROUP
        if isinstance(value, bytearray):
            return str(bytes(value))
        return str(float(value)) if widened else str(value)

    return text


def _key(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A hashable key where NaN equals NaN (a missing float)."""
    import math

    return tuple("\0nan" if isinstance(v, float) and math.isnan(v) else v for v in values)


def _positive(
    config: Config, context: EvaluationContext, role: Role, classes: tuple[Any, ...] | None
) -> PositiveClass:
    """The gate's `positive_class`, told the Spark scoring's classes."""
    from mlops_gate.gates.bias_labels import positive_class
    from mlops_gate.loaders.predictions import Predictions

    class _Classes:
        def __getattr__(self, name: str) -> Any:
            return getattr(context, name)

        def predictions(self, role: Role = "model", dataset: Any = "eval") -> Predictions:
            return Predictions(classes=classes)

    return positive_class(config.pos_label, _Classes(), role)


def _matching(frame: Any, column: str, label: Any) -> Any:
    """Whether a row's `column` matches `label` (`bias_labels.matches` on the distinct values)."""
    import numpy as np
    from pyspark.sql import functions as F

    from mlops_gate.engine.data.spark.aggregates import quoted
    from mlops_gate.gates.bias_labels import matches

    distinct = [row[0] for row in frame.select(quoted(column)).distinct().collect()]
    values = np.asarray(distinct, dtype=object if any(v is None for v in distinct) else None)
    hits = [v for v, hit in zip(distinct, matches(values, label).tolist(), strict=True) if hit]
    return quoted(column).isin(hits) if hits else F.lit(False)


def _target(context: EvaluationContext, frame: Any) -> str:
    from mlops_gate.engine.data.spark.scoring import Scored
    from mlops_gate.engine.data.spark.statistics import checked_target

    return checked_target(context, Scored(frame, context.task, None, True, False))
