"""Sums folded on the executors: a metric's sufficient statistics, at unit weights and for each
Poisson bootstrap replicate, added up per partition and then across partitions by Spark.

A `Fold` maps one record batch to a vector of m sums (the point pass) or to an (n_resamples x m)
block of weighted sums (a bootstrap pass, the weights drawn from the rows' ids by
`metrics/poisson_bootstrap.py`). Each executor adds its batches; Spark adds the partitions,
keyed by the sum's position, so the driver receives m or n_resamples x m numbers whatever the
size of the table. An input the metric refuses (`MetricUndefined`, e.g. a probability row not
summing to 1) travels back as text, not as a Python traceback inside a JVM stack trace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from mlops_gate.metrics.errors import MetricUndefined

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

# batch -> (row ids, per-row matrix builder): `fold(batch, weights)` gives (k x m) sums for the
# (k x rows) weights, or, with weights None, the m sums at unit weights.
Fold = Callable[["pd.DataFrame", "npt.NDArray[np.float64] | None"], "npt.NDArray[np.float64]"]


def point_sums(frame: Any, columns: list[str], fold: Fold, width: int) -> npt.NDArray[np.float64]:
    """The m = `width` sums of `fold` over every row of `frame` at unit weights."""
    return _run(frame, columns, fold, width, None).reshape(width)


def replicate_sums(
    frame: Any, columns: list[str], fold: Fold, width: int, *, n_resamples: int, seed: int
) -> npt.NDArray[np.float64]:
    """(n_resamples x width) sums of `fold` under each replicate's Poisson weights.

    Column 0 of every fold is the total weight, so the driver can see a replicate without rows.
    """
    return _run(frame, columns, fold, width, (n_resamples, seed)).reshape(n_resamples, width)


def _run(
    frame: Any, columns: list[str], fold: Fold, width: int, bootstrap: tuple[int, int] | None
) -> npt.NDArray[np.float64]:
    import numpy as np
    from pyspark.sql import functions as F

    from mlops_gate.engine.data.spark.scoring import ROW_ID, quiet_pandas_check

    size = width * (bootstrap[0] if bootstrap else 1)
    schema = "position long, total double, problem string"
    runner = _partition_runner(fold, size, bootstrap)
    with quiet_pandas_check():
        sums = frame.select(*dict.fromkeys([ROW_ID, *columns])).mapInPandas(runner, schema)
    rows = (
        sums.groupBy("position")
        .agg(F.sum("total").alias("total"), F.max("problem").alias("problem"))
        .collect()
    )
    problems = [row["problem"] for row in rows if row["problem"]]
    if problems:
        raise MetricUndefined(sorted(problems)[0])
    out = np.zeros(size)
    for row in rows:
        out[row["position"]] = row["total"]
    return out


def _partition_runner(
    fold: Fold, size: int, bootstrap: tuple[int, int] | None
) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """The executors' side: one partition's batches added up, one row per sum (or the problem)."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import numpy as np
        import pandas as pd

        from mlops_gate.engine.data.spark.scoring import ROW_ID
        from mlops_gate.metrics.poisson_bootstrap import poisson_weights

        total = np.zeros(size)
        try:
            for part in _slices(batches, bootstrap):
                weights = None
                if bootstrap is not None:
                    ids = part[ROW_ID].to_numpy().astype(np.uint64)
                    weights = poisson_weights(bootstrap[1], ids, np.arange(bootstrap[0]))
                total += np.asarray(fold(part, weights), dtype=np.float64).reshape(-1)
        except MetricUndefined as exc:
            yield pd.DataFrame({"position": [-1], "total": [0.0], "problem": [str(exc)]})
            return
        yield pd.DataFrame({"position": np.arange(size), "total": total, "problem": [None] * size})

    return run


def _slices(
    batches: Iterator[pd.DataFrame], bootstrap: tuple[int, int] | None
) -> Iterator[pd.DataFrame]:
    """Non-empty slices of the batches, small enough that a slice's (replicates x rows) weights
    stay under `MAX_CELLS` (bounded executor memory at any n_resamples)."""
    from mlops_gate.metrics.bootstrap import MAX_CELLS

    step = max(1, MAX_CELLS // bootstrap[0]) if bootstrap else None
    for batch in batches:
        for start in range(0, len(batch), step or max(1, len(batch))):
            yield batch.iloc[start : start + step] if step else batch
