"""Prediction drift on Spark: the model's scores on both sets stay Spark columns.

`prediction_scores(context)` is the drift gate's `_prediction_scores` for `data.engine: spark`:
the same names (`prediction`, or `prediction[<class>]` per class) and, for each set, a `Sample`
(`gates/drift_measure.py`) that answers quantiles and bin counts with the engine's exact
aggregates over the scored table's column (`spark/aggregates.py`): the reference's quantile
edges are numpy's linear method to the bit, so PSI equals the in-memory engine's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import GateError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.engine.data.spark.scoring import Scored
    from mlops_gate.gates.context import ColumnKind, DatasetName

SCORE = "_mg_score"


@dataclass(frozen=True)
class ScoreColumn:
    """One set's model scores as a column of the scored table (a drift `Sample`)."""

    frame: Any  # the scored table with the score in column SCORE
    what: str  # how messages name it
    cap: int  # rows the exact quantile selection may collect at once

    def rows(self) -> int:
        return int(self.frame.count())

    def kind(self) -> ColumnKind | None:
        return "numeric"

    def quantiles(self, probs: Sequence[float]) -> npt.NDArray[np.float64]:
        from mlops_gate.engine.data.spark.aggregates import column_quantiles

        return column_quantiles(self.frame, SCORE, probs, self.what, self.cap)

    def bin_counts(self, edges: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        from mlops_gate.engine.data.spark.aggregates import column_bin_counts

        return column_bin_counts(self.frame, SCORE, edges, self.what)

    def category_counts(self) -> tuple[dict[str, int], int]:
        raise AssertionError("model scores are numeric")  # kind() says so; never called

    def values(self, method: str) -> npt.NDArray[np.float64]:
        raise GateError(
            f"drift method {method} needs every model score in one process, which the spark "
            "engine does not do: use method psi, chisquare or jensenshannon"
        )


def prediction_scores(context: EvaluationContext) -> dict[str, tuple[ScoreColumn, ScoreColumn]]:
    """Scores per set: the regression value, the positive class's probability, or one per class."""
    from mlops_gate.engine.data.spark.scoring import scored

    sets: tuple[DatasetName, DatasetName] = ("reference", "eval")
    ref, cur = (scored(context, "model", which) for which in sets)
    if context.task == "regression":
        return {
            "prediction": (
                _column(context, ref, "reference", None),
                _column(context, cur, "eval", None),
            )
        }
    classes = cur.classes or ()
    if len(classes) == 2:
        pos = context.pos_label
        return {
            "prediction": (
                _column(context, ref, "reference", pos),
                _column(context, cur, "eval", pos),
            )
        }
    return {
        f"prediction[{label}]": (
            _column(context, ref, "reference", label),
            _column(context, cur, "eval", label),
        )
        for label in classes
    }


def _column(
    context: EvaluationContext, table: Scored, which: DatasetName, label: Any
) -> ScoreColumn:
    """The set's score column: the value, or `label`'s probability (its column in that set)."""
    from pyspark.sql import functions as F

    from mlops_gate.engine.data.spark.scoring import PROBA, VALUE, class_index

    if label is None:
        if table.frame.filter(F.col(VALUE).isNull()).limit(1).count():
            raise GateError("the model has no regression output to compare")
        score = F.col(VALUE)
    else:
        if not table.has_proba or table.classes is None:
            raise GateError("the model has no probability output (needed for this metric)")
        score = F.element_at(F.col(PROBA), class_index(table.classes, label) + 1)
    engine = context.data
    what = f"the model's scores on {engine.describe(which)}"  # type: ignore[attr-defined]
    return ScoreColumn(table.frame.withColumn(SCORE, score), what, engine.collect_cap)  # type: ignore[attr-defined]
