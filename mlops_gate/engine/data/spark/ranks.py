"""ROC AUC on Spark, exact, from ranks: no row leaves the executors.

AUC = U / (n+ n-), U = (sum of the positive rows' ranks) - n+ (n+ + 1) / 2, ranks 1..n in score
order with tied scores sharing their average rank (Mann-Whitney). Spark groups the rows by score
(n and n+ per distinct score), range-partitions the groups by score so a partition holds a
contiguous run of scores, and each partition adds up its positive rows' ranks as if it started
at rank 1 (in integers, doubled so that average ranks stay whole). The driver orders the
partitions by their first score and shifts each one's ranks by the rows before it. Every count
is an exact integer and the quotient is rounded once, as the in-memory statistic
(`metrics/classification.py`) rounds its 2U / (2 n+ n-): the two give the same float.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mlops_gate.metrics.errors import MetricUndefined

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.engine.data.spark.scoring import Scored
    from mlops_gate.gates.metric import Config
    from mlops_gate.metrics.bootstrap import Statistic

_SCHEMA = "first double, rows long, positives long, twice_ranks string, bad long"


def roc_auc(
    config: Config, context: EvaluationContext, table: Scored, target: str
) -> tuple[Statistic, dict[str, Any]]:
    """The roc_auc statistic as `metric_scoring` chooses it: binary on pos_label's column, else
    one-vs-rest macro over the model's classes."""
    import dataclasses

    import numpy as np
    from pyspark.sql import functions as F

    from mlops_gate.engine.data.spark.rank_bootstrap import replicates_of
    from mlops_gate.engine.data.spark.sums import checked_probabilities, point_statistic
    from mlops_gate.gates.metric_scoring import match_label

    classes = checked_probabilities(table, target)
    if len(classes) > 2:
        columns = list(range(len(classes)))
        info: dict[str, Any] = {"average": "macro"}
    else:
        wanted = config.pos_label if config.pos_label is not None else context.pos_label
        pos = match_label(wanted, classes)
        if pos not in classes:
            raise MetricUndefined(f"pos_label={pos!r} is not one of the labels {list(classes)}")
        columns, info = [list(classes).index(pos)], {"pos_label": pos}
    pairs = [(_score(c), F.col(target) == F.lit(classes[c])) for c in columns]
    label = (lambda c: classes[c]) if len(classes) > 2 else (lambda c: None)
    values = [
        _auc(table.frame, s, hit, label(c)) for c, (s, hit) in zip(columns, pairs, strict=True)
    ]
    drawn = [replicates_of(table.frame, s, hit) for s, hit in pairs]

    def replicates(n_resamples: int, seed: int) -> Any:
        return np.mean([draw(n_resamples, seed) for draw in drawn], axis=0)

    statistic = point_statistic("roc_auc", table, float(np.mean(values)))
    return dataclasses.replace(statistic, replicates=replicates), info


def _score(column: int) -> Any:
    from pyspark.sql import functions as F

    from mlops_gate.engine.data.spark.scoring import PROBA

    return F.element_at(F.col(PROBA), column + 1)


def _auc(frame: Any, score: Any, positive: Any, label: Any = None) -> float:
    """U / (n+ n-) of `score` for the rows where `positive` holds, exactly."""
    from pyspark.sql import functions as F

    from mlops_gate.engine.data.spark.scoring import quiet_pandas_check

    grouped = (
        frame.select(score.alias("s"), positive.cast("long").alias("p"))
        .groupBy("s")
        .agg(F.count(F.lit(1)).alias("n"), F.sum("p").alias("np"))
    )
    parts = grouped.repartitionByRange("s").sortWithinPartitions("s")
    with quiet_pandas_check():
        ranked = parts.mapInPandas(_partition_ranks, _SCHEMA)
    rows = sorted(ranked.collect(), key=lambda r: r[0])
    if any(row["bad"] for row in rows):  # Spark sorts NaN above every score: refused instead
        raise _nonfinite()
    twice_ranks, before, positives = 0, 0, 0
    for row in rows:
        twice_ranks += int(row["twice_ranks"]) + 2 * before * int(row["positives"])
        before += int(row["rows"])
        positives += int(row["positives"])
    negatives = before - positives
    if positives == 0 or negatives == 0:
        which = (
            "y_true holds a single class"
            if label is None
            else f"class {label!r} is never or always true"
        )
        raise MetricUndefined(f"ROC AUC is undefined: {which}")
    twice_u = twice_ranks - positives * (positives + 1)
    return twice_u / (2 * positives * negatives)  # exact integers, rounded once


def _partition_ranks(groups: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """One partition's score groups (sorted): its rows, positives and doubled positive ranks.

    int64 holds the doubled rank sum of a partition up to ~2e9 rows; the driver adds Python ints.
    """
    import numpy as np
    import pandas as pd

    first, rows, positives, twice, bad = None, 0, 0, 0, 0
    for batch in groups:
        if len(batch) == 0:
            continue
        n = batch["n"].to_numpy(dtype=np.int64)
        pos = batch["np"].to_numpy(dtype=np.int64)
        if first is None:
            first = float(batch["s"].iloc[0])
        before = rows + np.cumsum(n) - n
        twice += int(np.sum(pos * (2 * before + n + 1)))  # a tie's average rank, doubled
        rows += int(n.sum())
        positives += int(pos.sum())
        bad += int(n[~np.isfinite(batch["s"].to_numpy(dtype=np.float64))].sum())  # NaN, inf, null
    if first is not None:
        yield pd.DataFrame(
            {
                "first": [first],
                "rows": [rows],
                "positives": [positives],
                "twice_ranks": [str(twice)],
                "bad": [bad],
            }
        )


def _nonfinite() -> MetricUndefined:
    """The in-memory statistic's own words for a score that is NaN or infinite (one owner for the
    message: `metrics/classification.py`), got by building it on a two-row stand-in."""
    import math

    import numpy as np

    from mlops_gate.metrics.classification import roc_auc_statistic

    try:
        roc_auc_statistic([0, 1], np.asarray([[0.5, 0.5], [math.nan, math.nan]]), classes=[0, 1])
    except MetricUndefined as exc:
        return exc
    return MetricUndefined("ROC AUC is undefined: a score is NaN or infinite")  # unreachable
