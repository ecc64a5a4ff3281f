"""What a gate may ask of the evaluation: the one seam between the gates and the engine.

Gates are written against this protocol, never against the engine's class, so they do not know
where the data lives (an in-memory frame, a streamed Parquet file, or a later data engine) nor
where a model came from (a local file or a registry download): `mlops_gate.engine.context`
implements it, and a second data engine plugs in behind it (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from mlops_gate.gates.features import FeatureHealth
    from mlops_gate.gates.generation import GenerationSource
    from mlops_gate.loaders.data import ParquetSource
    from mlops_gate.loaders.models import LoadedModel
    from mlops_gate.loaders.predictions import Predictions
    from mlops_gate.policy.model import Policy
    from mlops_gate.progress import Advance

DatasetName = Literal["eval", "reference"]
ColumnKind = Literal["numeric", "categorical"]
Role = Literal["model", "baseline"]


class ProgressLike(Protocol):
    def task(
        self, description: str, total: float | None = None
    ) -> AbstractContextManager[Advance]: ...


class GateContext(Protocol):
    """Data, models and predictions, each loaded once and shared by every gate of a check."""

    @property
    def policy(self) -> Policy: ...

    @property
    def policy_path(self) -> Path: ...

    @property
    def progress(self) -> ProgressLike: ...

    @property
    def task(self) -> str: ...

    @property
    def pos_label(self) -> Any: ...

    def resolve(self, path: str) -> Path:
        """A policy-relative path as a path from the working directory."""
        ...

    # -- data ---------------------------------------------------------------------------------------
    def dataset_path(self, name: DatasetName) -> Path: ...

    def dataset(self, name: DatasetName) -> pd.DataFrame:
        """The whole table (a GateError where the engine keeps it out of memory)."""
        ...

    def source(self, name: DatasetName) -> ParquetSource | None:
        """The table as a streamed source when it is too large to load, else None."""
        ...

    def columns(self, name: DatasetName) -> list[str]: ...

    def column(self, name: DatasetName, column: str) -> pd.Series[Any]: ...

    def head(self, name: DatasetName, rows: int) -> pd.DataFrame: ...

    # -- aggregates (issue 15): answered where the data lives, the same numbers on every engine ----
    @property
    def engine_name(self) -> str:
        """ "pandas" or "spark": for a message's wording only; gates never branch on it for math."""
        ...

    def engine_hook(self, step: str) -> Callable[..., Any] | None:
        """The data engine's own code for a gate step that would pull a whole table into this
        process (engine/data/hooks.py: Spark's metric, group rates, prediction drift), else None:
        a gate's one dispatch line, so gates never branch on the engine."""
        ...

    def row_count(self, name: DatasetName) -> int: ...

    def column_kind(self, name: DatasetName, column: str) -> ColumnKind | None:
        """numeric (int/float), categorical (bool/string/object/category), or None: a type PSI
        cannot bin, or every value missing."""
        ...

    def column_quantiles(
        self, name: DatasetName, column: str, probs: npt.ArrayLike
    ) -> npt.NDArray[np.float64]:
        """Exactly `numpy.quantile(values, probs, method="linear")` of the non-missing values;
        a GateError when none is left or the column is not numeric."""
        ...

    def column_bin_counts(
        self, name: DatasetName, column: str, edges: npt.ArrayLike
    ) -> npt.NDArray[np.int64]:
        """int64 counts per `metrics.psi.bin_index` bin (len(edges)+1), then the missing count."""
        ...

    def column_category_counts(self, name: DatasetName, column: str) -> tuple[dict[str, int], int]:
        """Rows per category keyed by `str(value)`, and the rows with a missing value."""
        ...

    def features(self) -> list[str]: ...

    def target(self, name: DatasetName = "eval") -> np.ndarray: ...

    # -- models -------------------------------------------------------------------------------------
    def model(self, role: Role = "model") -> LoadedModel: ...

    def model_features(self, role: Role = "model") -> list[str]: ...

    def feature_health(self, role: Role = "model", dataset: DatasetName = "eval") -> FeatureHealth:
        """Which columns `role` reads are NaN on every row or constant in `dataset` (scanned once;
        `mlops_gate.gates.features.checked_features` turns it into the gates' error and note)."""
        ...

    def has_baseline(self) -> bool: ...

    def baseline_note(self) -> str | None: ...

    def predictions(self, role: Role = "model", dataset: DatasetName = "eval") -> Predictions: ...

    def generation(self) -> GenerationSource:
        """Generated outputs, judge calls and the LLM gates' files (`model.task: generation`)."""
        ...

    def artifact_paths(self) -> list[Path]:
        """The files that ship (the model and its external data)."""
        ...

    def float_reference(self) -> GateContext | None:
        """The float model's context while a quantized variant is gated (`check --artifacts`),
        else None."""
        ...
