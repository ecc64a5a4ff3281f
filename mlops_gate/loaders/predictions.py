"""What a model said about a data set, in one shape for every model kind."""

from __future__ import annotations

from collections.abc import Iterable
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


def concatenate(parts: Iterable[Predictions], rows: int) -> Predictions:
    """One Predictions from those of consecutive record batches of a `rows`-row data set.

    Only what the gates read stays in memory for a large eval set, kept compact and written in
    place (no list of parts plus a joined copy): integer labels in int8 when they fit, and
    probabilities as float32 when that is exact (ONNX models output float32), so the metric math
    sees the same numbers as when the set is predicted whole.
    """
    out: dict[str, np.ndarray] = {}
    classes: tuple[Any, ...] | None = None
    done = 0
    for part in parts:
        classes = classes or part.classes
        size = 0
        for name, narrow in (("labels", _narrow_labels), ("proba", _narrow_floats)):
            values = getattr(part, name)
            if values is not None:
                size = len(values)
                _put(out, name, narrow(values), done, rows)
        if part.values is not None:
            size = len(part.values)
            _put(out, "values", part.values, done, rows)
        done += size
    return Predictions(
        labels=_filled(out, "labels", done),
        proba=_filled(out, "proba", done),
        classes=classes,
        values=_filled(out, "values", done),
    )


def _put(out: dict[str, np.ndarray], name: str, values: np.ndarray, at: int, rows: int) -> None:
    """Write `values` at row `at` of `out[name]` (made on first use), widening its dtype if needed."""
    import numpy as np

    if name not in out:
        out[name] = np.empty((rows, *values.shape[1:]), dtype=values.dtype)
    target = out[name]
    wider = np.result_type(target.dtype, values.dtype)
    if wider != target.dtype:  # rare: a batch outside int8, or not exact in float32
        out[name] = target = target.astype(wider)
    target[at : at + len(values)] = values


def _filled(out: dict[str, np.ndarray], name: str, rows: int) -> np.ndarray | None:
    from mlops_gate.errors import InputError

    if name not in out:
        return None
    if len(out[name]) != rows:
        raise InputError(f"the model returned {rows} predictions for {len(out[name])} rows")
    return out[name]


def _narrow_labels(labels: np.ndarray) -> np.ndarray:
    import numpy as np

    if labels.dtype.kind not in "iu" or labels.size == 0:
        return labels
    if labels.min() >= -128 and labels.max() <= 127:
        return labels.astype(np.int8)
    return labels


def _narrow_floats(proba: np.ndarray) -> np.ndarray:
    import numpy as np

    narrow = proba.astype(np.float32)
    return narrow if np.array_equal(narrow, proba, equal_nan=True) else proba
