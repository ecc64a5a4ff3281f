"""The model's outputs on a Spark table, computed on the executors (issue 15).

`scored(context, role, dataset)` is the table with four more columns: a row id (for the Poisson
bootstrap's weights, `metrics/poisson_bootstrap.py`), and the model's label, probability row and
regression value, as the local path's `Predictions` hold them. The model runs in `mapInPandas`:
each record batch goes through `OnnxModel.predict` (the local feeds and output parsing) in the
worker's one ONNX Runtime session (`shipping.py`). With `data.prediction` the named column is
the model's output and no model runs: its labels (an integer, string or bool column), its
regression value, or, binary, the positive class's probability (a float column; the label is the
positive class where that is >= 0.5, as a classifier's `predict` decides).

Row ids are `monotonically_increasing_id()` over the table as read: a function of the file
splits and row order, the same on every read of the same files, so the champion scored in
another job sees the same id for the same row (the paired bootstrap needs that).
"""

from __future__ import annotations

import contextlib
import threading
import warnings
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import GateError

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.engine.data.spark.shipping import ShippedModel
    from mlops_gate.gates.context import DatasetName, Role

ROW_ID, LABEL, PROBA, VALUE = "_mg_row_id", "_mg_label", "_mg_proba", "_mg_value"
OUTPUTS = (ROW_ID, LABEL, PROBA, VALUE)
_SCORED: weakref.WeakKeyDictionary[Any, dict[Any, Scored]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


@contextlib.contextmanager
def quiet_pandas_check() -> Iterator[None]:
    """PySpark 4.x warns on each pandas conversion that it does not yet fully support pandas 3
    (and passes pandas 3 a deprecated `copy` keyword): the conversions used here (Arrow record
    batches of numbers and strings) are checked against the pandas engine by the tests, so the
    warnings tell a user nothing."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        yield


@dataclass(frozen=True)
class Scored:
    """A table with the model's outputs; `classes` orders the probability row's entries."""

    frame: Any  # pyspark.sql.DataFrame
    task: str
    classes: tuple[Any, ...] | None
    has_labels: bool
    has_proba: bool


def scored(context: EvaluationContext, role: Role, dataset: DatasetName = "eval") -> Scored:
    """The `dataset` table scored by `role`, computed once per engine (persisted)."""
    engine = context.data
    with _LOCK:
        memo = _SCORED.setdefault(engine, {})
    key = (role, dataset)
    if key not in memo:
        result = _score(context, role, dataset)
        from pyspark import StorageLevel

        # On disk: kept in memory, 10M scored rows ran local[2]'s default 1 GB heap out.
        result.frame.persist(StorageLevel.DISK_ONLY)
        memo[key] = result
    return memo[key]


def _score(context: EvaluationContext, role: Role, dataset: DatasetName) -> Scored:
    from pyspark.sql import functions as F

    table = context.data.table(dataset)  # type: ignore[attr-defined]
    clash = [name for name in OUTPUTS if name in table.columns]
    if clash:
        raise GateError(f"{context.dataset_path(dataset)}: column names reserved: {clash}")
    base = table.withColumn(ROW_ID, F.monotonically_increasing_id())
    column = context.policy.data.prediction
    if role == "model" and column is not None:
        return _from_column(context, base, column, dataset)
    return _from_model(context, base, role, dataset)


def _from_model(context: EvaluationContext, base: Any, role: Role, dataset: DatasetName) -> Scored:
    from pyspark.sql import types as T

    from mlops_gate.engine.data.spark.shipping import ship

    model = context.model(role)  # opened here first: trust, readability, metadata checked
    if model.kind != "onnx":
        raise GateError(
            f"{model.path}: the spark engine scores ONNX models on its executors; "
            f"export this {model.kind} model to ONNX (mlops-gate build) or use data.engine: pandas"
        )
    features = context.model_features(role)
    with quiet_pandas_check():
        head = base.limit(16).toPandas()
    sample = model.predict(head, features)  # the outputs' kinds
    classes = _declared_classes(context, base, sample)
    shipped = ship(context.data.session, model.path, context.model_ref(role), context.task)  # type: ignore[attr-defined]
    fields = [
        *base.schema.fields,
        T.StructField(LABEL, _label_type(sample.labels), True),
        T.StructField(PROBA, T.ArrayType(T.DoubleType()), True),
        T.StructField(VALUE, T.DoubleType(), True),
    ]
    run = _runner(shipped, features, classes)
    with quiet_pandas_check():
        frame = base.mapInPandas(run, T.StructType(fields))
    has_labels = sample.labels is not None or (sample.proba is not None and classes is not None)
    if context.task == "classification" and sample.classes is None and sample.labels is not None:
        classes = _seen_classes(context, frame, dataset)
    return Scored(frame, context.task, classes, has_labels, sample.proba is not None)


def _runner(shipped: ShippedModel, features: list[str], classes: tuple[Any, ...] | None) -> Any:
    """The executors' function: each batch through the worker's model (one session per worker)."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        model = shipped.open()
        for batch in batches:
            yield _outputs(batch, model.predict(batch, features), classes)

    return run


def _outputs(batch: pd.DataFrame, predictions: Any, classes: tuple[Any, ...] | None) -> Any:
    import numpy as np

    out = batch.copy()
    labels, proba = predictions.labels, predictions.proba
    if labels is None and proba is not None and classes is not None:  # as the context settles it
        labels = np.asarray(classes, dtype=object)[np.argmax(proba, axis=1)]
    out[LABEL] = None if labels is None else list(np.asarray(labels).tolist())
    out[PROBA] = None if proba is None else list(np.asarray(proba, dtype=np.float64))
    values = predictions.values
    out[VALUE] = None if values is None else np.asarray(values, dtype=np.float64).reshape(-1)
    return out


def _label_type(labels: Any) -> Any:
    from pyspark.sql import types as T

    if labels is None:
        return T.StringType()
    kind = labels.dtype.kind
    if kind == "b":
        return T.BooleanType()
    if kind in "iu":
        return T.LongType()
    return T.DoubleType() if kind == "f" else T.StringType()


def _declared_classes(context: EvaluationContext, base: Any, sample: Any) -> tuple[Any, ...] | None:
    """The class order the model declares; for a probability-only model without one, the
    target's classes (or 0..width-1), as `EvaluationContext._settle_classes` decides."""
    if context.task != "classification" or sample.classes is not None:
        return None if sample.classes is None else tuple(sample.classes)
    if sample.labels is not None or sample.proba is None:
        return None  # settled from the labels after scoring (`_seen_classes`)
    target = context.policy.data.target
    seen = _seen_classes_of(base, target) if target and target in base.columns else ()
    width = sample.proba.shape[1] if sample.proba.ndim == 2 else None
    return tuple(range(width)) if width is not None and width != len(seen) else seen


def _seen_classes(context: EvaluationContext, frame: Any, dataset: DatasetName) -> tuple[Any, ...]:
    """A model without declared classes: the labels it predicts and the target holds, sorted
    as the in-memory context sorts them (`EvaluationContext._settle_classes`)."""
    seen = {row[0] for row in frame.select(LABEL).distinct().collect()}
    target = context.policy.data.target
    if target is not None and target in frame.columns:
        seen |= {row[0] for row in frame.select(target).distinct().collect()}
    seen.discard(None)
    return tuple(sorted(seen, key=lambda c: (str(type(c)), c)))


def _from_column(
    context: EvaluationContext, base: Any, column: str, dataset: DatasetName
) -> Scored:
    """`data.prediction`: the table already holds the model's output (see the module docstring)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if column not in base.columns:
        raise GateError(
            f"{context.dataset_path(dataset)}: data.prediction column '{column}' not found"
        )
    kind = base.schema[column].dataType
    if context.task == "regression":
        frame = base.withColumn(VALUE, F.col(column).cast("double"))
        return Scored(_blank(frame, LABEL, PROBA), context.task, None, False, False)
    if not isinstance(kind, T.FloatType | T.DoubleType | T.DecimalType):
        frame = base.withColumn(LABEL, F.col(column))
        return Scored(_blank(frame, PROBA, VALUE), context.task, None, True, False)
    target = context.policy.data.target
    if target is None:
        raise GateError("data.prediction holds scores: data.target names their classes")
    classes = _seen_classes_of(base, target)
    if len(classes) != 2:
        raise GateError(
            f"data.prediction '{column}' holds one score per row: that is a binary model's, but "
            f"the target has {len(classes)} classes"
        )
    positive = _positive(context, classes)
    negative = classes[1 - positive]
    score = F.col(column).cast("double")
    pair = [1 - score, score] if positive == 1 else [score, 1 - score]
    frame = base.withColumn(PROBA, F.array(*pair)).withColumn(
        LABEL, F.when(score >= 0.5, F.lit(classes[positive])).otherwise(F.lit(negative))
    )
    return Scored(_blank(frame, VALUE), context.task, classes, True, True)


def _seen_classes_of(frame: Any, column: str) -> tuple[Any, ...]:
    seen = {row[0] for row in frame.select(column).distinct().collect()} - {None}
    return tuple(sorted(seen, key=lambda c: (str(type(c)), c)))


def class_index(classes: tuple[Any, ...], label: Any) -> int:
    """`Predictions.class_index`: equal, or spelled the same."""
    from mlops_gate.loaders.predictions import Predictions

    return Predictions(classes=classes).class_index(label)


def _positive(context: EvaluationContext, classes: tuple[Any, ...]) -> int:
    wanted = context.pos_label
    for index, label in enumerate(classes):
        if label == wanted or str(label) == str(wanted):
            return index
    raise GateError(f"positive label {wanted!r} is not one of the target's classes {list(classes)}")


def _blank(frame: Any, *names: str) -> Any:
    from pyspark.sql import functions as F

    for name in names:
        kind = "array<double>" if name == PROBA else "double" if name == VALUE else "string"
        frame = frame.withColumn(name, F.lit(None).cast(kind))
    return frame
