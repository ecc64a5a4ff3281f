"""average_precision on Spark, exact: scikit-learn's step sum over the distinct scores, and no
row leaves the executors.

AP = sum over the distinct scores, highest first, of (R_k - R_(k-1)) x P_k (`metrics/
probability.py`), which is (1 / P) x sum of p_k x TP_k / N_k: p_k the positive rows scoring
s_k, TP_k and N_k the positive and all rows scoring s_k or more, P every positive. Spark groups
the rows by score (n_k and p_k per distinct score) and puts the distinct scores into buckets
of contiguous scores, so a tie never straddles two (the edges come from `approxQuantile` over
the distinct scores: they only balance the buckets, any edges give the same sum). One aggregate
gives each bucket's rows and positives; the driver adds up, from the highest bucket down, the
rows and positives above each one; one more pass walks each bucket's scores from the highest
with those offsets, in integers, one division per term, the terms added with `math.fsum`. The
driver holds a few numbers per bucket; an executor holds one bucket (about `BUCKET_SCORES`
distinct scores) at a time. The sum is added in another order than in memory: the two agree
within 1e-12, not to the last bit (tests/integration/spark/test_average_precision.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mlops_gate.metrics.errors import MetricUndefined

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.engine.data.spark.scoring import Scored
    from mlops_gate.gates.metric import Config
    from mlops_gate.metrics.bootstrap import Statistic

BUCKET_SCORES = 1_000_000  # distinct scores an executor walks at once, about
MAX_BUCKETS = 256  # the bucket expression's branches; more only shrinks each bucket
_SCHEMA = "b long, partial double"


def average_precision(
    config: Config, context: EvaluationContext, table: Scored, target: str
) -> tuple[Statistic, dict[str, Any]]:
    """The statistic as `metric_scoring` builds it in memory: binary, on pos_label's
    probability; its interval is refused (no Poisson bootstrap of it here)."""
    from pyspark.sql import functions as F

    from mlops_gate.engine.data.spark.scoring import PROBA, class_index
    from mlops_gate.engine.data.spark.sums import checked_probabilities, point_statistic
    from mlops_gate.gates.metric_scoring import match_label

    classes = checked_probabilities(table, target)
    if len(classes) > 2:
        raise MetricUndefined(
            f"average_precision scores a binary model; this one has {len(classes)} classes"
        )
    wanted = config.pos_label if config.pos_label is not None else context.pos_label
    index = class_index(classes, match_label(wanted, classes))
    pos = classes[index]
    score = F.element_at(F.col(PROBA), index + 1)
    hit = F.col(target) == F.lit(pos)
    value = exact_average_precision(table.frame, score, hit, _refusal(classes, index))
    return point_statistic("average_precision", table, value), {"pos_label": pos}


def exact_average_precision(
    frame: Any,
    score: Any,
    positive: Any,
    refuse: Callable[[str], MetricUndefined],
    bucket_scores: int = BUCKET_SCORES,
) -> float:
    """AP of `score` for the rows where `positive` holds (see the module docstring).
    `refuse(problem)` is the error for "no positive row" or "a score that is not finite"."""
    from pyspark.sql import functions as F

    grouped = (
        frame.select(score.alias("s"), positive.cast("long").alias("p"))
        .groupBy("s")
        .agg(F.count(F.lit(1)).alias("n"), F.sum("p").alias("np"))
        .persist()
    )
    try:
        bucketed = grouped.withColumn("b", _bucket(grouped, bucket_scores))
        bad = F.col("s").isNull() | F.isnan("s") | F.col("s").isin(math.inf, -math.inf)
        totals = (
            bucketed.groupBy("b")
            .agg(
                F.sum("n").alias("n"),
                F.sum("np").alias("np"),
                F.sum(F.when(bad, F.col("n")).otherwise(0)).alias("bad"),
            )
            .collect()
        )
        if any(row["bad"] for row in totals):
            raise refuse("scores")
        positives = sum(int(row["np"]) for row in totals)
        if positives == 0:
            raise refuse("positives")
        offsets, rows, above = {}, 0, 0
        for row in sorted(totals, key=lambda r: -int(r["b"])):  # the highest scores first
            offsets[int(row["b"])] = (rows, above)
            rows, above = rows + int(row["n"]), above + int(row["np"])
        partials = bucketed.groupBy("b").applyInPandas(_bucket_terms(offsets), _SCHEMA)
        return math.fsum(row["partial"] for row in partials.collect()) / positives
    finally:
        grouped.unpersist()


def _bucket(grouped: Any, bucket_scores: int) -> Any:
    """A bucket number growing with the score: how many edges lie below it."""
    from pyspark.sql import functions as F

    distinct = int(grouped.count())
    buckets = min(MAX_BUCKETS, -(-distinct // max(1, bucket_scores)))
    if buckets <= 1:
        return F.lit(0).cast("long")
    probs = [i / buckets for i in range(1, buckets)]
    edges = sorted(set(grouped.approxQuantile("s", probs, 1 / (4 * buckets))))
    finite = [edge for edge in edges if math.isfinite(edge)]
    if not finite:
        return F.lit(0).cast("long")
    column = F.when(F.col("s") > F.lit(finite[-1]), F.lit(len(finite)))
    for number in range(len(finite) - 1, 0, -1):
        column = column.when(F.col("s") > F.lit(finite[number - 1]), F.lit(number))
    return column.otherwise(F.lit(0)).cast("long")


def _bucket_terms(
    offsets: dict[int, tuple[int, int]],
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """The executors' side: one bucket's sum of p_k x TP_k / N_k, its scores walked from the
    highest, with the rows and positives of the buckets above it."""

    def run(bucket: pd.DataFrame) -> pd.DataFrame:
        import numpy as np
        import pandas as pd

        number = int(bucket["b"].iloc[0])
        rows, positives = offsets[number]
        ordered = bucket.sort_values("s", ascending=False, kind="stable")
        p = ordered["np"].to_numpy(dtype=np.int64)
        true_positives = positives + np.cumsum(p)
        seen = rows + np.cumsum(ordered["n"].to_numpy(dtype=np.int64))
        terms = p * (true_positives / seen)  # exact integers, one rounding per quotient
        return pd.DataFrame({"b": [number], "partial": [math.fsum(terms.tolist())]})

    return run


def _refusal(classes: tuple[Any, ...], index: int) -> Callable[[str], MetricUndefined]:
    """The in-memory statistic's own words for what it refuses, got by building it on a
    two-row stand-in of the problem (one owner for the messages: `metrics/probability.py`)."""
    import numpy as np

    from mlops_gate.metrics.probability import average_precision_statistic

    def refuse(problem: str) -> MetricUndefined:
        labels = np.asarray([classes[index], classes[index]], dtype=object)
        scores = np.asarray([0.5, math.nan])
        if problem == "positives":  # y_true holds the other class only
            other = classes[1 - index] if len(classes) == 2 else None
            labels = np.asarray([other, other], dtype=object)
            scores = np.asarray([0.5, 0.5])
        try:
            average_precision_statistic(labels.tolist(), scores, pos_label=classes[index])
        except MetricUndefined as exc:
            return exc
        return MetricUndefined(f"average_precision: {problem}")  # unreachable by construction

    return refuse
