"""Feature health on Spark: which columns a model reads are missing on every row or constant.

The rule of `gates/features.py` (the in-memory scan), as one aggregate job over the table: per
column, the count of present values (not null, not NaN) and, for a constant, min == max over
them (one distinct value; min and max skip missing values as pandas' do).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.gates.context import DatasetName, Role
    from mlops_gate.gates.features import FeatureHealth


def feature_health(context: EvaluationContext, role: Role, dataset: DatasetName) -> FeatureHealth:
    """`EvaluationContext.feature_health` where the data is a Spark table."""
    from pyspark.sql import functions as F

    from mlops_gate.engine.data.spark.aggregates import missing, quoted
    from mlops_gate.gates.features import FeatureHealth

    engine = context.data
    frame = engine.table(dataset)  # type: ignore[attr-defined]
    what = engine.describe(dataset)  # type: ignore[attr-defined]
    names = [name for name in context.model_features(role) if name in frame.columns]
    if not names:
        return FeatureHealth()
    aggregates = []
    for i, name in enumerate(names):
        present = F.when(~missing(frame, name, what), quoted(name))
        aggregates += [
            F.count(present).alias(f"n{i}"),
            F.min(present).alias(f"lo{i}"),
            F.max(present).alias(f"hi{i}"),
        ]
    with engine.errors(dataset):  # type: ignore[attr-defined]
        row = frame.agg(F.count(F.lit(1)).alias("rows"), *aggregates).first()
    if row is None or row["rows"] == 0:
        return FeatureHealth()  # an empty eval set is reported by the gates themselves
    absent = tuple(name for i, name in enumerate(names) if row[f"n{i}"] == 0)
    constant = tuple(
        name for i, name in enumerate(names) if row[f"n{i}"] > 0 and row[f"lo{i}"] == row[f"hi{i}"]
    )
    return FeatureHealth(absent, constant)


def checked_features(context: EvaluationContext, role: Role, dataset: DatasetName) -> list[str]:
    """`gates.features.checked_features` (its messages), on the Spark scan."""
    from mlops_gate.gates.features import checked_features as checked

    return checked(context, role, dataset)
