"""What a model said about a data set, in one shape for every model kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import GateError

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Predictions:
    """`labels` and `proba` (rows by classes, columns in `classes` order) or regression `values`."""

    labels: np.ndarray | None = None
    proba: np.ndarray | None = None
    classes: tuple[Any, ...] | None = None
    values: np.ndarray | None = None

    def positive_scores(self, pos_label: Any) -> np.ndarray:
        """Probability of `pos_label` (binary), for roc_auc and prediction drift."""
        proba = self.require_proba()
        return proba[:, self.class_index(pos_label)]

    def require_proba(self) -> np.ndarray:
        if self.proba is None:
            raise GateError("the model has no probability output (needed for this metric)")
        return self.proba

    def require_labels(self) -> np.ndarray:
        if self.labels is None:
            raise GateError("the model has no label output")
        return self.labels

    def class_index(self, label: Any) -> int:
        classes = self.classes or ()
        for index, known in enumerate(classes):
            if known == label or str(known) == str(label):
                return index
        raise GateError(
            f"positive label {label!r} is not one of the model's classes {list(classes)}"
        )
