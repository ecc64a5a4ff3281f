"""Models behind one small API: ONNX through ONNX Runtime, sklearn pickles only when trusted.

ONNX inputs: one 2-D tensor gets the feature columns in `data.features` order; several inputs whose
names are feature columns get one [rows, 1] tensor each. Outputs: the label output is `label_output`
or the one named `label`/`output_label`, else the first integer/string tensor; the probability output
is `proba_output` or the one named `probabilities`/`output_probability`, else the first 2-D float
tensor or a ZipMap (sequence of maps). Regression models: the first float output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mlops_gate.errors import InputError
from mlops_gate.loaders.code_formats import PICKLE_SUFFIXES as PICKLE_SUFFIXES
from mlops_gate.loaders.code_formats import refuse_untrusted, unpickle_failure
from mlops_gate.loaders.files import check_readable
from mlops_gate.loaders.onnx_runtime import open_session
from mlops_gate.loaders.predictions import Predictions

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mlops_gate.policy.model import ModelRef

LABEL_NAMES = ("label", "output_label", "labels")
PROBA_NAMES = ("probabilities", "output_probability", "probability", "probas")
_NUMPY_TYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(float16)": "float16",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(bool)": "bool",
    "tensor(string)": "object",
}


class LoadedModel(Protocol):
    path: Path
    kind: str

    def predict(self, frame: pd.DataFrame, features: list[str]) -> Predictions: ...


def load_model(path: Path, ref: ModelRef, task: str) -> LoadedModel:
    """Open the model at `path`; formats that run code are refused unless `trust: pickle`, before
    any byte is read (`code_formats`)."""
    refuse_untrusted(path, ref.trust)
    if path.suffix.lower() in PICKLE_SUFFIXES:
        check_readable(path, "model file")
        return SklearnModel(path, task)
    if path.suffix.lower() != ".onnx":
        raise InputError(
            f"{path}: unsupported model format '{path.suffix}' (use .onnx, or .joblib/.pkl with trust: pickle)"
        )
    check_readable(path, "model file")
    return OnnxModel(path, ref, task)


class OnnxModel:
    kind = "onnx"

    def __init__(
        self,
        path: Path,
        ref: ModelRef,
        task: str,
        *,
        device: str = "cpu",
        threads: int | None = None,
    ) -> None:
        self.path = path
        self.ref = ref
        self.task = task
        self.session = open_session(path, device=device, threads=threads)
        self.inputs = self.session.get_inputs()
        self.outputs = self.session.get_outputs()
        meta = self.session.get_modelmeta().custom_metadata_map
        classes = metadata_list(path, meta, "classes")
        self.meta_classes: tuple[Any, ...] | None = tuple(classes) if classes is not None else None
        self.meta_features: list[str] | None = metadata_list(path, meta, "features", str)

    def with_device(self, device: str, threads: int | None = None) -> OnnxModel:
        return OnnxModel(self.path, self.ref, self.task, device=device, threads=threads)

    def feeds(self, frame: pd.DataFrame, features: list[str]) -> dict[str, np.ndarray]:
        """The model's inputs for `frame`, cast to the declared tensor types."""
        import numpy as np

        missing = [c for c in features if c not in frame.columns]
        if missing:
            raise InputError(
                f"{self.path}: feature columns missing from the data: {', '.join(missing)}"
            )
        if len(self.inputs) == 1 and self.inputs[0].name not in features:
            spec = self.inputs[0]
            width = (
                spec.shape[1] if len(spec.shape) == 2 and isinstance(spec.shape[1], int) else None
            )
            if width is not None and width != len(features):
                raise InputError(
                    f"{self.path}: input '{spec.name}' takes {width} features but {len(features)} were given "
                    f"({', '.join(features)}); set data.features (or the model's `features`) to its columns"
                )
            return {spec.name: _as_tensor(frame, features, spec.type, spec.name)}
        feeds = {}
        for spec in self.inputs:
            if spec.name not in frame.columns:
                raise InputError(
                    f"{self.path}: model input '{spec.name}' is not a column of the data"
                )
            feeds[spec.name] = np.reshape(
                _as_tensor(frame, [spec.name], spec.type, spec.name), (-1, 1)
            )
        return feeds

    def run(self, feeds: dict[str, np.ndarray]) -> list[Any]:
        return list(self.session.run(None, feeds))

    def predict(self, frame: pd.DataFrame, features: list[str]) -> Predictions:
        outputs = dict(
            zip((o.name for o in self.outputs), self.run(self.feeds(frame, features)), strict=True)
        )
        if self.task == "regression":
            return Predictions(values=_regression_output(self.path, self.outputs, outputs))
        return self._classification(outputs)

    def _classification(self, outputs: dict[str, Any]) -> Predictions:
        import numpy as np

        label_name = self.ref.label_output or _find_output(self.outputs, LABEL_NAMES, _is_label)
        proba_name = self.ref.proba_output or _find_output(self.outputs, PROBA_NAMES, _is_proba)
        if label_name is None and proba_name is None:
            names = ", ".join(f"{o.name} {o.type}" for o in self.outputs)
            raise InputError(
                f"{self.path}: no label or probability output found among: {names} "
                "(set model.label_output/proba_output)"
            )
        labels = np.asarray(outputs[label_name]).reshape(-1) if label_name else None
        proba, zipmap_classes = (None, None)
        if proba_name:
            proba, zipmap_classes = _proba_matrix(outputs[proba_name])
        classes = self.ref.classes or self.meta_classes or zipmap_classes
        return Predictions(labels=labels, proba=proba, classes=tuple(classes) if classes else None)


class SklearnModel:
    kind = "sklearn"

    def __init__(self, path: Path, task: str) -> None:
        import joblib

        self.path = path
        self.task = task
        try:
            self.estimator = joblib.load(path)
        except Exception as exc:  # unpickling raises anything the pickle's code raises
            raise unpickle_failure(path, exc) from None

    def predict(self, frame: pd.DataFrame, features: list[str]) -> Predictions:
        import numpy as np

        missing = [c for c in features if c not in frame.columns]
        if missing:
            raise InputError(
                f"{self.path}: feature columns missing from the data: {', '.join(missing)}"
            )
        rows = frame[features]
        if self.task == "regression":
            return Predictions(
                values=np.asarray(self.estimator.predict(rows), dtype=float).reshape(-1)
            )
        labels = np.asarray(self.estimator.predict(rows)).reshape(-1)
        proba = (
            np.asarray(self.estimator.predict_proba(rows), dtype=float)
            if hasattr(self.estimator, "predict_proba")
            else None
        )
        classes = tuple(getattr(self.estimator, "classes_", ())) or None
        return Predictions(labels=labels, proba=proba, classes=classes)


def metadata_list(
    path: Path, meta: dict[str, str], key: str, item: type | tuple[type, ...] = (str, int, float)
) -> list[Any] | None:
    """ONNX metadata `key` as the JSON list of scalars it must be; None when absent.

    The file is untrusted: `"abc"` once became the classes ('a', 'b', 'c') and `5` a crash."""
    if key not in meta:
        return None
    try:
        value = json.loads(meta[key])
    except ValueError:
        value = None
    if not isinstance(value, list) or not all(isinstance(v, item) for v in value):
        kind = "strings" if item is str else "strings or numbers"
        raise InputError(f"{path}: ONNX metadata '{key}' is not a JSON list of {kind}")
    return value


def _as_tensor(
    frame: pd.DataFrame, columns: list[str], onnx_type: str, input_name: str
) -> np.ndarray:
    import numpy as np

    dtype = _NUMPY_TYPES.get(onnx_type)
    if dtype is None:
        raise InputError(f"model input '{input_name}' has an unsupported type {onnx_type}")
    if dtype == "object":
        return frame[columns].astype(str).to_numpy(dtype=object)
    bad = [c for c in columns if not _is_numeric(frame[c])]
    if bad:
        kinds = ", ".join(f"{c} ({frame[c].dtype})" for c in bad)
        raise InputError(
            f"feature columns are not numeric but model input '{input_name}' is {onnx_type}: {kinds}"
        )
    return np.ascontiguousarray(frame[columns].to_numpy(dtype=dtype))


def _is_numeric(series: pd.Series) -> bool:
    import pandas as pd

    return bool(
        pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype)
    )


def _find_output(outputs: list[Any], names: tuple[str, ...], fits: Any) -> str | None:
    for output in outputs:
        if output.name.lower() in names:
            return str(output.name)
    for output in outputs:
        if fits(output):
            return str(output.name)
    return None


def _is_label(output: Any) -> bool:
    return (
        output.type in ("tensor(int64)", "tensor(int32)", "tensor(string)", "tensor(bool)")
        and len(output.shape) <= 2
    )


def _is_proba(output: Any) -> bool:
    return (
        output.type in ("tensor(float)", "tensor(double)") and len(output.shape) == 2
    ) or output.type.startswith("seq(map")


def _proba_matrix(raw: Any) -> tuple[np.ndarray, list[Any] | None]:
    """A probability matrix; ZipMap's list of {class: p} dicts becomes columns in key order."""
    import numpy as np

    if isinstance(raw, list):
        if not raw:
            return np.zeros((0, 0)), None
        keys = list(raw[0].keys())
        return np.array([[row[k] for k in keys] for row in raw], dtype=float), keys
    return np.asarray(raw, dtype=float), None


def _regression_output(path: Path, specs: list[Any], outputs: dict[str, Any]) -> np.ndarray:
    import numpy as np

    for spec in specs:
        if spec.type in ("tensor(float)", "tensor(double)", "tensor(float16)"):
            return np.asarray(outputs[spec.name], dtype=float).reshape(len(outputs[spec.name]), -1)[
                :, 0
            ]
    raise InputError(
        f"{path}: a regression model needs a float output; found {', '.join(s.type for s in specs)}"
    )
