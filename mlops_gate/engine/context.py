"""The evaluation context: everything a gate may read, loaded once, shared by all gates.

Gates do no I/O of their own (STYLE.md): they ask the context for data frames, the model, the
baseline and predictions. Loads are memoised, failures included, so a broken file is read once and
every gate that needs it reports the same one-line error.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.engine.memo import Memo
from mlops_gate.errors import GateError, InputError, MlopsGateError
from mlops_gate.gates.context import ColumnKind, DatasetName, GateContext, Role
from mlops_gate.progress import NoProgress, OneAtATime, Progress

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from mlops_gate.engine.data import DataEngine
    from mlops_gate.gates.features import FeatureHealth
    from mlops_gate.gates.generation import GenerationSource
    from mlops_gate.loaders.data import ParquetSource
    from mlops_gate.loaders.locate import ModelLocator, ResolvedModel
    from mlops_gate.loaders.models import LoadedModel
    from mlops_gate.loaders.predictions import Predictions
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.policy.model import ModelRef, Policy

T = TypeVar("T")
__all__ = ["DatasetName", "EvaluationContext", "Role"]


class EvaluationContext:
    """The engine's `GateContext` (mlops_gate.gates.context) for one policy.

    `locator` finds the models (default: files beside the policy; the commands pass the registry's
    locator when the policy names registry URIs) and `data` reads the tables (default: the
    `data.engine` the policy names, in-process pandas). Both are injected so that this class knows
    neither the registry nor where the data lives.
    """

    def __init__(
        self,
        loaded: LoadedPolicy,
        progress: Progress | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        locator: ModelLocator | None = None,
        data: DataEngine | None = None,
    ) -> None:
        from mlops_gate.engine.data import data_engine
        from mlops_gate.loaders.locate import LocalFiles

        self.loaded = loaded
        # Gates may run in threads (runner.py): one progress display at a time.
        self.progress: Progress = OneAtATime(progress or NoProgress())
        self.timeout = timeout  # bounds registry downloads (`--timeout`)
        self.locator: ModelLocator = locator or LocalFiles(loaded.base_dir)
        self.data: DataEngine = data or data_engine(
            loaded.policy.data.engine, loaded, self.progress
        )
        self._memo = Memo()

    @property
    def policy(self) -> Policy:
        return self.loaded.policy

    @property
    def policy_path(self) -> Path:
        return self.loaded.path

    @property
    def engine_name(self) -> str:
        """Which data engine answers ("pandas" | "spark"): for wording, never for math."""
        return self.data.name

    def engine_hook(self, step: str) -> Callable[..., Any] | None:
        """The data engine's own code for a gate step that would pull a whole table here
        (engine/data/hooks.py); None: the gate's in-memory code."""
        from mlops_gate.engine.data.hooks import engine_hook

        return engine_hook(self.engine_name, step)

    def float_reference(self) -> GateContext | None:
        """A plain check gates one model: no float reference (engine/variants.py has one)."""
        return None

    # -- inputs -------------------------------------------------------------------------------------
    def resolve(self, path: str) -> Path:
        return self.loaded.resolve(path)

    def dataset_path(self, name: DatasetName) -> Path:
        return self.data.path(name)

    def dataset(self, name: DatasetName) -> pd.DataFrame:
        """The whole table; a GateError where the data engine keeps it out of memory."""
        return self.data.frame(name)

    def source(self, name: DatasetName) -> ParquetSource | None:
        return self.data.source(name)

    def streams_data(self) -> bool:
        """Whether a data set of the policy is streamed (too large to load whole)."""
        return self.data.streams()

    def columns(self, name: DatasetName) -> list[str]:
        return self.data.columns(name)

    def column(self, name: DatasetName, column: str) -> pd.Series[Any]:
        return self.data.column(name, column)

    def head(self, name: DatasetName, rows: int) -> pd.DataFrame:
        return self.data.head(name, rows)

    # -- aggregates: answered by the data engine where the data lives (issue 15) -----------------
    def row_count(self, name: DatasetName) -> int:
        return self.data.row_count(name)

    def column_kind(self, name: DatasetName, column: str) -> ColumnKind | None:
        return self.data.column_kind(name, column)

    def column_quantiles(
        self, name: DatasetName, column: str, probs: npt.ArrayLike
    ) -> npt.NDArray[np.float64]:
        return self.data.column_quantiles(name, column, probs)

    def column_bin_counts(
        self, name: DatasetName, column: str, edges: npt.ArrayLike
    ) -> npt.NDArray[np.int64]:
        return self.data.column_bin_counts(name, column, edges)

    def column_category_counts(self, name: DatasetName, column: str) -> tuple[dict[str, int], int]:
        return self.data.column_category_counts(name, column)

    def features(self) -> list[str]:
        """`data.features`, or every eval (else reference) column but the target and `ignore`."""
        data = self.policy.data
        if data.features is not None:
            return list(data.features)
        names = self.columns("eval" if data.eval is not None else "reference")
        skip = {data.target, *data.ignore}
        return [c for c in names if c not in skip]

    def target(self, name: DatasetName = "eval") -> np.ndarray:
        def load() -> np.ndarray:
            import numpy as np

            column = self.policy.data.target
            if column is None:
                raise GateError("data.target is not set in the policy")
            if column not in self.columns(name):
                raise InputError(f"{self.dataset_path(name)}: target column '{column}' not found")
            series = self.column(name, column)
            if series.isna().any():
                raise GateError(
                    f"{self.dataset_path(name)}: target column '{column}' has missing values"
                )
            values = np.asarray(series.to_numpy())
            if self.source(name) is None or self.task != "classification":
                return values
            return _compact(values)  # class labels: the same values in a fraction of the memory

        return self._once(("target", name), load)

    # -- models -------------------------------------------------------------------------------------
    def model_ref(self, role: Role) -> ModelRef:
        ref = self.policy.model if role == "model" else self.policy.baseline
        if ref is None:
            raise GateError(f"the policy has no `{role}` section")
        return ref

    def model_location(self, role: Role = "model") -> ResolvedModel:
        """Where the `role` model is on disk: its file, or a registry URI's cached download.

        For a baseline alias that nothing holds yet (first run), `path` is None and `note` says so.
        """

        def locate() -> ResolvedModel:
            ref = self.model_ref(role)
            with self.progress.task(f"locating {role} {ref.path}"):
                return self.locator.locate(ref.path, role)

        return self._once(("location", role), locate)

    def model(self, role: Role = "model") -> LoadedModel:
        def load() -> LoadedModel:
            from mlops_gate.loaders.models import load_model

            ref = self.model_ref(role)
            location = self.model_location(role)
            if location.path is None:
                raise GateError(location.note or f"{ref.path}: no model there")
            with self.progress.task(f"loading {role}"):
                return load_model(location.path, ref, self.task)

        return self._once(("model", role), load)

    def model_path_or_none(self, role: Role) -> Path | None:
        """The `role` model's local file for the evidence; None without one (or if unresolvable)."""
        if (self.policy.model if role == "model" else self.policy.baseline) is None:
            return None
        try:
            return self.model_location(role).path
        except MlopsGateError:
            return None  # the gates that needed it already report the error

    def baseline_version(self) -> str | None:
        """The registry version of the baseline compared against (None: a file, or none yet)."""
        if self.policy.baseline is None:
            return None
        try:
            return self.model_location("baseline").version
        except MlopsGateError:
            return None

    def baseline_note(self) -> str | None:
        """Why there is nothing to compare with although the policy names a baseline (first run)."""
        if self.policy.baseline is None:
            return None
        return self.model_location("baseline").note

    def model_features(self, role: Role = "model") -> list[str]:
        """The columns `role` takes: its own `features`, else its ONNX metadata, else data.features.

        A champion often takes other columns than the challenger; each model is fed its own.
        """
        ref = self.model_ref(role)
        if ref.features is not None:
            return list(ref.features)
        declared = getattr(self.model(role), "meta_features", None)
        return list(declared) if declared else self.features()

    def feature_health(self, role: Role = "model", dataset: DatasetName = "eval") -> FeatureHealth:
        """Which columns `role` reads are NaN on every row or constant in `dataset`, scanned once
        for every gate (a column at a time; columns the data lacks are the predictions' error)."""

        def scan() -> FeatureHealth:
            from mlops_gate.gates.features import feature_health

            hook = self.engine_hook("feature_health")
            if hook is not None:
                health: FeatureHealth = hook(self, role, dataset)
                return health

            present = set(self.columns(dataset))
            names = [name for name in self.model_features(role) if name in present]
            return feature_health((name, self.column(dataset, name)) for name in names)

        return self._once(("feature_health", role, dataset), scan)

    def has_baseline(self) -> bool:
        """A baseline to compare with: named by the policy and, for a registry alias, already set."""
        if self.policy.baseline is None:
            return False
        return self.model_location("baseline").path is not None

    @property
    def task(self) -> str:
        return self.policy.model.task if self.policy.model else "classification"

    @property
    def pos_label(self) -> Any:
        return self.policy.model.pos_label if self.policy.model else 1

    def predictions(self, role: Role = "model", dataset: DatasetName = "eval") -> Predictions:
        """The model's predictions on a data set (computed once), with class order settled."""

        def compute() -> Predictions:
            model = self.model(role)
            features = self.model_features(role)
            source = self.source(dataset)
            with self.progress.task(f"predicting {dataset} with {role}"):
                if source is None:
                    raw = model.predict(self.dataset(dataset), features)
                else:
                    from mlops_gate.loaders.predictions import concatenate

                    batches = source.batches(features)
                    raw = concatenate(
                        (model.predict(b, features) for b in batches), source.num_rows
                    )
            return self._settle_classes(raw, dataset)

        return self._once(("predictions", role, dataset), compute)

    def _settle_classes(self, raw: Predictions, dataset: DatasetName) -> Predictions:
        """Fill in the class order when the model does not declare it (see docs/models.md)."""
        import dataclasses

        import numpy as np

        if self.task == "regression":
            return raw
        if raw.classes is not None:
            return self._with_labels(raw)
        seen: set[Any] = set()
        if raw.labels is not None:
            seen.update(np.unique(raw.labels).tolist())
        if self.policy.data.target is not None and self.policy.data.target in self.columns(dataset):
            seen.update(np.unique(self.target(dataset)).tolist())
        classes = sorted(seen, key=lambda c: (str(type(c)), c))
        width = raw.proba.shape[1] if raw.proba is not None and raw.proba.ndim == 2 else None
        if width is not None and width != len(classes):
            classes = list(range(width))
        return self._with_labels(dataclasses.replace(raw, classes=tuple(classes)))

    @staticmethod
    def _with_labels(raw: Predictions) -> Predictions:
        """A probability-only model predicts the most probable class."""
        import dataclasses

        import numpy as np

        if raw.labels is not None or raw.proba is None or raw.classes is None:
            return raw
        labels = np.asarray(raw.classes, dtype=object)[np.argmax(raw.proba, axis=1)]
        return dataclasses.replace(raw, labels=np.asarray(labels.tolist()))

    def generation(self) -> GenerationSource:
        """Generated outputs, judge calls and the LLM gates' files (engine/generation.py)."""
        from mlops_gate.engine.generation import Generation

        return self._once(("generation",), lambda: Generation(self))

    def artifact_paths(self) -> list[Path]:
        """The files that ship: the model file (variants join in with `build`)."""
        if self.policy.model is None:
            return []
        path = self.model_location("model").path
        return [path] if path is not None else []

    # -- memo ---------------------------------------------------------------------------------------
    def _once(self, key: Any, compute: Callable[[], T]) -> T:
        """`compute()` once per key, however many gate threads ask (see `Memo`)."""
        return self._memo.once(key, compute)


def _compact(values: np.ndarray) -> np.ndarray:
    """Integer labels in the narrowest integer type that holds them (same values, less memory).

    A 50M-row target or label column is 400 MB as int64 and 50 MB as int8 (issue #8).
    """
    import numpy as np

    if values.dtype.kind not in "iu" or values.size == 0 or values.dtype.itemsize == 1:
        return values
    low, high = int(values.min()), int(values.max())
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return values.astype(dtype)
    return values
