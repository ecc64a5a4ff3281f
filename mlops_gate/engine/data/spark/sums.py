"""Metrics that are means over rows, on Spark: log_loss, brier, mae, rmse, mape, and r2.

Each executor batch builds the in-memory statistic of its rows (`metrics/classification.py`,
`probability.py`, `regression.py`: the same checks, clipping and formulas) and contributes its
sum, mean x rows, at unit weights for the value and under each replicate's Poisson weights for
the interval (`folds.py`). r2 adds up the residual and centred sums of squares instead, with the
in-memory rule for a constant target (scikit-learn's force_finite).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_gate.errors import GateError
from mlops_gate.metrics.errors import MetricUndefined

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from mlops_gate.engine.data.spark.scoring import Scored
    from mlops_gate.metrics.bootstrap import Statistic

Floats = "npt.NDArray[np.float64]"


def checked_probabilities(table: Scored, target: str) -> tuple[Any, ...]:
    """The model's classes, once its probability output and the target are usable."""
    from pyspark.sql import functions as F

    if not table.has_proba:
        raise GateError("the model has no probability output (needed for this metric)")
    if table.classes is None:
        raise GateError("the order of the model's classes is unknown: set model.classes")
    classes = table.classes
    present = [row[0] for row in table.frame.select(target).distinct().collect()]
    index = {label: i for i, label in enumerate(classes)}
    unknown = [label for label in present if label not in index]
    if unknown:
        raise MetricUndefined(
            f"y_true has labels {unknown[:5]} that are not among the classes {list(classes)}"
        )
    from mlops_gate.engine.data.spark.scoring import PROBA

    widths = table.frame.select(F.size(PROBA).alias("w")).distinct().collect()
    if any(row[0] != len(classes) for row in widths):
        raise MetricUndefined(f"probabilities are not rows of {len(classes)} classes")
    return classes


def point_statistic(metric: str, table: Scored, value: float) -> Statistic:
    """A statistic known at its point; its interval refused until the caller sets `replicates`
    (roc_auc does, `rank_bootstrap.py`)."""
    from mlops_gate.metrics.bootstrap import Statistic

    def refuse(*_: Any) -> Any:
        raise refuse_bootstrap(metric)

    rows = int(table.frame.count())
    return Statistic(rows, refuse, point_fn=lambda: value, replicates=refuse)


def probability_statistic(
    metric: str, table: Scored, target: str, wanted: Any = None
) -> tuple[Statistic, dict[str, Any]]:
    """log_loss or brier of the probability rows, from per-batch sums; a binary brier scores
    the class `wanted` names (`metric_scoring`'s choice, reported as pos_label)."""
    from mlops_gate.engine.data.spark.scoring import PROBA
    from mlops_gate.gates.metric_scoring import match_label
    from mlops_gate.metrics import classification, probability

    classes = checked_probabilities(table, target)
    if metric == "log_loss":
        present = [row[0] for row in table.frame.select(target).distinct().limit(2).collect()]
        if len(present) < 2:
            raise MetricUndefined(
                f"y_true holds the single class {present[0]!r}: log_loss needs at least 2 to "
                "tell a model that separates them from one that does not"
            )
    pos = match_label(wanted, classes) if metric == "brier" and len(classes) == 2 else None

    def of(batch: pd.DataFrame) -> Statistic:
        import numpy as np

        matrix = np.stack(list(batch[PROBA])) if len(batch) else np.empty((0, len(classes)))
        if metric == "log_loss":
            return classification.log_loss_statistic(batch[target].to_numpy(), matrix, classes)
        return probability.brier_statistic(batch[target].to_numpy(), matrix, classes, pos)

    statistic = mean_statistic(table.frame, [target, PROBA], of, lambda mean: mean)
    return statistic, {} if pos is None else {"pos_label": pos}


def regression_statistic(metric: str, table: Scored, target: str) -> Statistic:
    """mae, rmse, mape or r2 of the regression output."""
    from mlops_gate.engine.data.spark.scoring import VALUE
    from mlops_gate.metrics.regression import regression_statistic as build

    if table.frame.filter(table.frame[VALUE].isNull()).limit(1).count():
        raise GateError("the model has no regression output")
    if metric == "r2":
        from mlops_gate.engine.data.spark.r2 import r2_statistic

        return r2_statistic(table.frame, target)
    # rmse is the root of a mean: its batches add up squares
    undo = (lambda root: root * root) if metric == "rmse" else (lambda mean: mean)

    def of(batch: pd.DataFrame) -> Statistic:
        return build(metric, batch[target].to_numpy(), batch[VALUE].to_numpy())  # type: ignore[arg-type]

    finish = (lambda mean: mean**0.5) if metric == "rmse" else (lambda mean: mean)
    return mean_statistic(table.frame, [target, VALUE], of, undo, finish)


def mean_statistic(
    frame: Any,
    columns: list[str],
    of: Any,
    undo: Any,
    finish: Any = None,
) -> Statistic:
    """The statistic of a mean over rows: `of(batch)` is the in-memory statistic of a batch,
    `undo` turns its value into the batch's mean, `finish` the table's mean into the metric."""
    import numpy as np

    from mlops_gate.engine.data.spark.folds import point_sums, replicate_sums
    from mlops_gate.metrics.bootstrap import Statistic
    from mlops_gate.metrics.poisson_bootstrap import empty

    done = finish or (lambda mean: mean)

    def fold(batch: pd.DataFrame, weights: npt.NDArray[np.float64] | None) -> Any:
        statistic = of(batch)
        if weights is None:
            return np.array([len(batch), undo(statistic.point()) * len(batch)])
        total = weights.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            sums = np.where(total > 0, undo(statistic(weights)) * total, 0.0)
        return np.column_stack([total, sums])

    rows, total = point_sums(frame, columns, fold, 2)
    if rows == 0:
        raise MetricUndefined("no rows to evaluate")
    value = float(done(total / rows))

    def replicates(n_resamples: int, seed: int) -> npt.NDArray[np.float64]:
        sums = replicate_sums(frame, columns, fold, 2, n_resamples=n_resamples, seed=seed)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.asarray(done(sums[:, 1] / sums[:, 0]), dtype=np.float64)
        values[empty(sums[:, 0])] = np.nan
        return values

    def no_weights(_: Any) -> Any:
        raise MetricUndefined("a Spark statistic draws its own replicates")

    return Statistic(int(rows), no_weights, point_fn=lambda: value, replicates=replicates)


def refuse_bootstrap(metric: str) -> MetricUndefined:
    """Why a rank metric has no Poisson interval here (what to use instead)."""
    return MetricUndefined(
        f"the spark engine has no Poisson bootstrap for {metric}: drop `confidence` from this "
        "gate or run it with data.engine: pandas"
    )
