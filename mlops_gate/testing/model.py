"""The model under test: the artifact the gates evaluate, behind `predict`/`predict_proba`.

Tests call the exact file that ships (the ONNX model through ONNX Runtime), fed the columns it
takes (`context.model_features()`), so a check that passes here passes for the artifact, not for
the Python object it was exported from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import GateError, MlopsGateError

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np
    import pandas as pd

    from mlops_gate.engine.context import DatasetName, EvaluationContext, Role
    from mlops_gate.loaders.models import LoadedModel
    from mlops_gate.loaders.predictions import Predictions


class ModelUnderTest:
    """A loaded model that takes whole DataFrames and picks its own feature columns."""

    def __init__(
        self,
        loaded: LoadedModel,
        features: Sequence[str],
        *,
        task: str = "classification",
        pos_label: Any = 1,
        classes: Sequence[Any] | None = None,
    ) -> None:
        self.loaded = loaded
        self.features = list(features)
        self.task = task
        self.pos_label = pos_label
        self.classes = tuple(classes) if classes is not None else None

    def __repr__(self) -> str:  # short: hypothesis prints it in every falsifying example
        return f"ModelUnderTest({self.path.name!r}, {len(self.features)} features, {self.task})"

    @classmethod
    def from_context(cls, context: EvaluationContext, role: Role = "model") -> ModelUnderTest:
        """The policy's `role` model, with the class order the gates use."""
        return cls(
            context.model(role),
            context.model_features(role),
            task=context.task,
            pos_label=context.pos_label,
            classes=_settled_classes(context, role),
        )

    @property
    def path(self) -> Path:
        return self.loaded.path

    def predictions(self, frame: pd.DataFrame) -> Predictions:
        """Everything the model says about `frame`, class order filled in."""
        raw = self.loaded.predict(frame, self.features)
        if self.task == "regression" or raw.classes is not None:
            return raw
        width = raw.proba.shape[1] if raw.proba is not None and raw.proba.ndim == 2 else 0
        classes = self.classes or tuple(range(width)) or None
        return dataclasses.replace(raw, classes=classes)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Predicted labels (classification) or values (regression), one per row."""
        import numpy as np

        found = self.predictions(frame)
        if found.values is not None:
            return found.values
        if found.labels is not None:
            return found.labels
        proba, classes = found.require_proba(), found.classes or ()
        labels: np.ndarray = np.asarray(classes, dtype=object)[np.argmax(proba, axis=1)]
        return labels

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Class probabilities, rows by classes (in `predictions(frame).classes` order)."""
        if self.task == "regression":
            raise GateError("predict_proba: a regression model has no class probabilities")
        return self.predictions(frame).require_proba()

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """One number per row: the positive class's probability, or the regression value."""
        found = self.predictions(frame)
        if self.task == "regression":
            assert found.values is not None  # OnnxModel/SklearnModel always set it
            return found.values
        return found.positive_scores(self.pos_label)

    def outputs(self, frame: pd.DataFrame) -> np.ndarray:
        """The numbers to compare across calls: probabilities, values, or else the labels."""
        found = self.predictions(frame)
        for output in (found.proba, found.values, found.labels):
            if output is not None:
                return output
        raise GateError(f"{self.path}: the model returned no output")


def _settled_classes(context: EvaluationContext, role: Role) -> tuple[Any, ...] | None:
    """The class order: declared by the policy or the model, else the one the gates settle on."""
    if context.task == "regression":
        return None
    declared = context.model_ref(role).classes or getattr(context.model(role), "meta_classes", None)
    if declared:
        return tuple(declared)
    data = context.policy.data
    dataset: DatasetName
    if data.eval is not None:
        dataset = "eval"
    elif data.reference is not None:
        dataset = "reference"
    else:
        return None
    try:
        return context.predictions(role, dataset).classes
    except MlopsGateError:
        return None  # no labels to settle on: columns are numbered instead
