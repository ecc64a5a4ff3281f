"""The metric gate's numbers on Spark: the in-memory engine's values from distributed aggregates.

`measure(config, context, role)` is `gates/metric_scoring.measure` for `data.engine: spark`
(the gate's one dispatch), returning the same (statistic, value, info):

- label metrics (accuracy, precision, recall, f1, balanced_accuracy, matthews): the table
  becomes its confusion cells, one row per (true, predicted) pair with its count, and the
  in-memory statistic (`metric_scoring.score`) runs on those few rows with the counts as row
  weights: the same code, the same integer counts, so the same number. The bootstrap weights a
  cell by the Poisson weights of its rows (`folds.py`).
- roc_auc: exact, from ranks (`ranks.py`; its interval: `rank_bootstrap.py`); average_precision:
  exact, from the positives and rows at or above each distinct score (`precision.py`; no
  interval); log_loss, brier, mae, rmse, mape, r2: from sums (`sums.py`, `r2.py`).
- custom metrics have no exact distributed form here: a GateError says so.

Each statistic answers `point()` with the exact value and draws its confidence interval with
the seeded Poisson bootstrap (`Statistic.replicates`, `metrics/poisson_bootstrap.py`): the
gate's `bootstrap_ci` / `paired_bootstrap` take it from there unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_gate.errors import GateError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.engine.data.spark.scoring import Scored
    from mlops_gate.gates.context import Role
    from mlops_gate.gates.metric import Config
    from mlops_gate.metrics.bootstrap import Statistic


def measure(
    config: Config, context: EvaluationContext, role: Role
) -> tuple[Statistic, float, dict[str, Any]]:
    """The metric of `role` on the eval table, computed where the table lives."""
    from mlops_gate.engine.data.spark.features import checked_features
    from mlops_gate.engine.data.spark.scoring import scored
    from mlops_gate.gates.metric_scoring import enough_rows

    check_metric(config, context)
    enough_rows(config, context, context.row_count("eval"))
    constant = checked_features(context, role, "eval")
    table = scored(context, role, "eval")
    statistic, value, info = measured(config, context, role, table, checked_target(context, table))
    return statistic, value, {**info, **({"constant_features": constant} if constant else {})}


def check_metric(config: Config, context: EvaluationContext) -> None:
    """A custom metric, or one of the other task, is refused (`metric_scoring`'s words)."""
    from mlops_gate.gates import metric_catalogue as catalogue

    if config.metric not in catalogue.BUILTIN:
        raise GateError(
            f"custom metric {config.metric} has no exact distributed form on the spark engine: "
            "gate it with data.engine: pandas"
        )
    if (config.metric in catalogue.CLASSIFICATION) != (context.task == "classification"):
        kind = "classification" if config.metric in catalogue.CLASSIFICATION else "regression"
        raise GateError(f"{config.metric} is a {kind} metric but model.task is {context.task}")


def measured(
    config: Config,
    context: EvaluationContext,
    role: Role,
    table: Scored,
    target: str,
    cells: list[tuple[Any, Any, int]] | None = None,
) -> tuple[Statistic, float, dict[str, Any]]:
    """(statistic, value, info) of `table`'s rows (`cells`: a label metric's confusion cells,
    counted already); a metric undefined there is a GateError naming `role`."""
    from mlops_gate.metrics.errors import MetricUndefined

    try:
        statistic, info = _statistic(config, context, role, table, target, cells)
        if statistic.ill_defined:
            raise MetricUndefined(statistic.ill_defined)
        value = statistic.point()
    except MetricUndefined as exc:
        raise GateError(f"{config.metric} of the {role}: {exc}") from None
    return statistic, value, info


def _statistic(
    config: Config,
    context: EvaluationContext,
    role: Role,
    table: Scored,
    target: str,
    cells: list[tuple[Any, Any, int]] | None,
) -> tuple[Statistic, dict[str, Any]]:
    from mlops_gate.engine.data.spark import precision, ranks, sums
    from mlops_gate.gates import metric_catalogue as catalogue

    if config.metric in catalogue.LABEL:
        return label_statistic(config, context, role, table, target, cells)
    if config.metric == "roc_auc":
        return ranks.roc_auc(config, context, table, target)
    if config.metric == "average_precision":
        return precision.average_precision(config, context, table, target)
    if config.metric in ("log_loss", "brier"):
        wanted = config.pos_label if config.pos_label is not None else context.pos_label
        return sums.probability_statistic(config.metric, table, target, wanted)
    return sums.regression_statistic(config.metric, table, target), {}


def label_statistic(
    config: Config,
    context: EvaluationContext,
    role: Role,
    table: Scored,
    target: str,
    cells: list[tuple[Any, Any, int]] | None = None,
) -> tuple[Statistic, dict[str, Any]]:
    """The in-memory label metric on the confusion cells (true, predicted, rows), weighted by
    their counts; `cells` when they are counted already (slices: `slices.py`)."""
    import numpy as np

    from mlops_gate.engine.data.spark.scoring import LABEL
    from mlops_gate.gates.metric_scoring import score
    from mlops_gate.loaders.predictions import Predictions

    if not table.has_labels:
        raise GateError("the model has no label output")
    frame, info = decided(config, context, table)
    if cells is None:
        cells = [tuple(row) for row in frame.groupBy(target, LABEL).count().collect()]
    true = np.asarray([row[0] for row in cells])
    pred = np.asarray([row[1] for row in cells])
    counts = np.asarray([row[2] for row in cells], dtype=np.float64)
    plain = config.model_copy(update={"threshold": None}) if info else config
    cell_rows = Predictions(labels=pred, classes=table.classes)
    on_cells, _, scored_info = score(plain, context, role, true, cell_rows)
    keys = (true, pred)
    return (
        weighted_rows(on_cells, counts, frame, [target, LABEL], keys),
        {**scored_info, **info},
    )


def weighted_rows(
    on_rows: Statistic,
    counts: npt.NDArray[np.float64],
    frame: Any,
    columns: list[str],
    keys: tuple[npt.NDArray[Any], ...],
) -> Statistic:
    """A statistic of a few distinct rows (`keys`, one per distinct value of `columns`) standing
    for a table: row i weighs `counts[i]` at the point, and the sum of its rows' Poisson weights
    in a replicate."""
    import dataclasses

    import numpy as np

    from mlops_gate.engine.data.spark.folds import replicate_sums
    from mlops_gate.metrics.bootstrap import weighted_counts
    from mlops_gate.metrics.poisson_bootstrap import empty

    def fold(batch: Any, weights: npt.NDArray[np.float64] | None) -> npt.NDArray[np.float64]:
        import pandas as pd

        index = pd.MultiIndex.from_arrays(list(keys))
        codes = index.get_indexer(pd.MultiIndex.from_arrays([batch[c] for c in columns]))
        assert weights is not None
        assert (codes >= 0).all()
        return weighted_counts(codes, len(counts), weights)

    def replicates(n_resamples: int, seed: int) -> npt.NDArray[np.float64]:
        cells = replicate_sums(
            frame, columns, fold, len(counts), n_resamples=n_resamples, seed=seed
        )
        values = np.asarray(on_rows.fn(cells), dtype=np.float64)
        values[empty(cells.sum(axis=1))] = np.nan
        return values

    point = float(on_rows.fn(counts[np.newaxis])[0])
    return dataclasses.replace(
        on_rows, n=int(counts.sum()), point_fn=lambda: point, replicates=replicates
    )


def decided(
    config: Config, context: EvaluationContext, table: Scored
) -> tuple[Any, dict[str, Any]]:
    """With `threshold`: pos_label where its probability is >= threshold (metric_scoring's rule)."""
    from pyspark.sql import functions as F

    from mlops_gate.engine.data.spark.scoring import LABEL, PROBA, class_index

    threshold = getattr(config, "threshold", None)
    if threshold is None:
        return table.frame, {}
    classes = table.classes
    if not table.has_proba or classes is None or len(classes) != 2:
        found = "unknown classes" if classes is None else f"{len(classes)} classes"
        raise GateError(f"threshold decides between two classes; the model has {found}")
    wanted = config.pos_label if config.pos_label is not None else context.pos_label
    index = class_index(classes, wanted)
    probability = F.element_at(F.col(PROBA), index + 1)
    decided = F.when(probability >= F.lit(threshold), F.lit(classes[index])).otherwise(
        F.lit(classes[1 - index])
    )
    return table.frame.withColumn(LABEL, decided), {
        "decision_threshold": threshold,
        "pos_label": classes[index],
    }


def checked_target(context: EvaluationContext, table: Scored) -> str:
    """The target column, refused where the in-memory context refuses it (absent, missing)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from mlops_gate.errors import InputError

    column = context.policy.data.target
    where = context.dataset_path("eval")
    if column is None:
        raise GateError("data.target is not set in the policy")
    if column not in table.frame.columns:
        raise InputError(f"{where}: target column '{column}' not found")
    value = F.col(column)
    missing = value.isNull()
    if isinstance(table.frame.schema[column].dataType, T.FloatType | T.DoubleType):
        missing = missing | F.isnan(value)
    if table.frame.filter(missing).limit(1).count():
        raise GateError(f"{where}: target column '{column}' has missing values")
    return column
