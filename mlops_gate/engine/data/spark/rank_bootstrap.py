"""The Poisson bootstrap of ROC AUC on Spark: weighted Mann-Whitney U, a partition at a time.

The rows are range-partitioned by score (a tie never straddles two partitions) and sorted in
each. A partition weighs its rows with each replicate's Poisson weights (`poisson_bootstrap.py`,
from the row ids) and walks them in score order with the in-memory statistic's walk
(`metrics/classification.py`'s `Ranked`), giving per replicate its positive weight P, negative
weight N and the U of the pairs inside it. A positive row also outranks every negative of the
partitions below, so the driver adds, in score order, U_i + P_i x (N of the partitions before):
the weighted U of the whole table, divided by P x N. A replicate with one class is NaN, which
the interval refuses, as in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

_SCHEMA = "first double, replicate long, positive double, negative double, u double"


def replicates_of(
    frame: Any, score: Any, positive: Any
) -> Callable[[int, int], npt.NDArray[np.float64]]:
    """`Statistic.replicates` for the AUC of `score` over the rows where `positive` holds."""

    def replicates(n_resamples: int, seed: int) -> npt.NDArray[np.float64]:
        import numpy as np
        from pyspark.sql import functions as F

        from mlops_gate.engine.data.spark.scoring import ROW_ID, quiet_pandas_check

        rows = frame.select(
            F.col(ROW_ID).alias("id"), score.alias("s"), positive.cast("long").alias("p")
        )
        ranged = rows.repartitionByRange("s").sortWithinPartitions("s")
        with quiet_pandas_check():
            parts = ranged.mapInPandas(_partition_u(n_resamples, seed), _SCHEMA)
        collected = sorted(parts.collect(), key=lambda r: (r["first"], r["replicate"]))
        u, below = np.zeros(n_resamples), np.zeros(n_resamples)
        positives = np.zeros(n_resamples)
        for row in collected:
            b = int(row["replicate"])
            u[b] += row["u"] + row["positive"] * below[b]
            below[b] += row["negative"]
            positives[b] += row["positive"]
        with np.errstate(invalid="ignore", divide="ignore"):
            values = u / (positives * below)
        values[(positives == 0) | (below == 0)] = np.nan
        return np.asarray(values, dtype=np.float64)

    return replicates


def _partition_u(
    n_resamples: int, seed: int
) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import numpy as np
        import pandas as pd

        from mlops_gate.metrics.bootstrap import MAX_CELLS
        from mlops_gate.metrics.classification import Ranked
        from mlops_gate.metrics.poisson_bootstrap import poisson_weights

        kept = [batch for batch in batches if len(batch)]
        if not kept:
            return
        rows = pd.concat(kept, ignore_index=True)
        scores = rows["s"].to_numpy(dtype=np.float64)
        hits = rows["p"].to_numpy(dtype=np.int64) == 1
        ids = rows["id"].to_numpy().astype(np.uint64)
        ranked = Ranked.of(hits, scores)
        step = max(1, MAX_CELLS // len(rows))
        for start in range(0, n_resamples, step):
            block = np.arange(start, min(start + step, n_resamples))
            weights = poisson_weights(seed, ids, block)
            pos = weights @ hits.astype(np.float64)
            neg = weights.sum(axis=1) - pos
            with np.errstate(invalid="ignore"):
                u = np.nan_to_num(ranked.auc(weights) * pos * neg)  # one class inside: no pairs
            yield pd.DataFrame(
                {
                    "first": float(scores[0]),
                    "replicate": block,
                    "positive": pos,
                    "negative": neg,
                    "u": u,
                }
            )

    return run
