"""Where the drift gate's numbers come from: one set's column (or model scores) as a `Sample`.

A data set's column answers through the evaluation context, so its data engine (pandas,
streamed Parquet, Spark) counts where the data lives; model scores answer from the array in
memory. An engine that scores elsewhere (Spark) hands the gate its own `Sample`s through the
`drift.prediction_scores` engine hook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from mlops_gate.gates.context import ColumnKind, DatasetName, GateContext


class Sample(Protocol):
    """One set's column, answering what the methods ask of it."""

    def rows(self) -> int: ...

    def kind(self) -> ColumnKind | None: ...

    def quantiles(self, probs: Sequence[float]) -> npt.NDArray[np.float64]: ...

    def bin_counts(self, edges: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]: ...

    def category_counts(self) -> tuple[dict[str, int], int]: ...

    def values(self, method: str) -> npt.NDArray[np.float64]:
        """Every value as float64 (NaN for a missing one), for the methods that need them."""
        ...


@dataclass(frozen=True)
class ColumnSample:
    """A data set's column, answered by the evaluation context (and so by its data engine)."""

    context: GateContext
    dataset: DatasetName
    column: str

    def rows(self) -> int:
        return self.context.row_count(self.dataset)

    def kind(self) -> ColumnKind | None:
        return self.context.column_kind(self.dataset, self.column)

    def quantiles(self, probs: Sequence[float]) -> npt.NDArray[np.float64]:
        return self.context.column_quantiles(self.dataset, self.column, probs)

    def bin_counts(self, edges: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        return self.context.column_bin_counts(self.dataset, self.column, edges)

    def category_counts(self) -> tuple[dict[str, int], int]:
        return self.context.column_category_counts(self.dataset, self.column)

    def values(self, method: str) -> npt.NDArray[np.float64]:
        import numpy as np

        from mlops_gate.errors import GateError

        try:
            series = self.context.column(self.dataset, self.column)
        except GateError:
            engine = self.context.engine_name
            if engine == "pandas":
                raise
            raise GateError(
                f"drift method {method} needs every value of '{self.column}' in one process, "
                f"which the {engine} engine does not do: on {engine}, use method psi, chisquare "
                "or jensenshannon (computed from counts where the data lives)"
            ) from None
        return series.to_numpy(dtype=np.float64, na_value=np.nan)


@dataclass(frozen=True)
class ScoreSample:
    """Model scores held in memory (prediction drift): the same aggregates, from the array."""

    scores: npt.NDArray[np.float64]

    def rows(self) -> int:
        return int(self.scores.size)

    def kind(self) -> ColumnKind | None:
        return "numeric"

    def quantiles(self, probs: Sequence[float]) -> npt.NDArray[np.float64]:
        import numpy as np

        from mlops_gate.errors import GateError

        present = self.scores[~np.isnan(self.scores)]
        if present.size == 0:
            raise GateError("the model's scores on the reference set are all missing")
        with np.errstate(invalid="ignore"):  # inf - inf: reported as undefined edges
            return np.asarray(np.quantile(present, list(probs)), dtype=np.float64)

    def bin_counts(self, edges: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        from mlops_gate.metrics.psi import bin_counts

        return bin_counts(self.scores, edges)

    def category_counts(self) -> tuple[dict[str, int], int]:
        raise AssertionError("model scores are numeric")  # kind() says so; never called

    def values(self, method: str) -> npt.NDArray[np.float64]:
        return self.scores
