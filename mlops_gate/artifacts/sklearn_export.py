"""scikit-learn estimators and pipelines to ONNX through skl2onnx.

Inputs: one 2-D float tensor `X` in feature order when every feature is numeric and nothing selects
columns by name; otherwise one `[rows, 1]` input per feature, named after it (string columns as
string tensors), which is what a `ColumnTransformer` over a DataFrame needs. Both layouts are the
ones `mlops_gate.loaders.models` feeds. Classifiers export without ZipMap, so probabilities come
out as a plain `[rows, classes]` tensor. LightGBM/XGBoost steps convert through onnxmltools
(`boosting_export.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_gate.artifacts.pipeline_steps import walk
from mlops_gate.errors import InputError

if TYPE_CHECKING:
    import pandas as pd


def export_sklearn(estimator: Any, frame: pd.DataFrame, features: list[str], opset: int) -> Any:
    """An `onnx.ModelProto` for a fitted estimator; `frame` gives the feature columns' types."""
    from skl2onnx import convert_sklearn

    from mlops_gate.artifacts import boosting_export

    estimator = boosting_export.prepare(estimator)
    check_convertible(estimator)
    options = {id(step): {"zipmap": False} for step in _classifiers(estimator)}
    try:
        return convert_sklearn(
            estimator,
            initial_types=initial_types(estimator, frame, features),
            options=options or None,
            target_opset=boosting_export.target_opsets(opset, estimator),
        )
    except InputError:
        raise
    except Exception as exc:  # skl2onnx raises RuntimeError, NotImplementedError, TypeError, ...
        raise InputError(
            f"skl2onnx could not convert {type(estimator).__name__}: {_first_line(exc)}"
        ) from None


def check_convertible(estimator: Any) -> None:
    """Raise naming the first step skl2onnx has no converter for, with the supported list."""
    from skl2onnx._supported_operators import sklearn_operator_name_map

    for path, step in walk(estimator):
        if type(step) not in sklearn_operator_name_map:
            role, names = _supported_like(step, sklearn_operator_name_map)
            raise InputError(
                f"cannot export step '{path}' ({type(step).__name__}) to ONNX: skl2onnx has no "
                f"converter for it; supported {role}: {', '.join(names)}"
            )


def initial_types(
    estimator: Any, frame: pd.DataFrame, features: list[str]
) -> list[tuple[str, Any]]:
    """skl2onnx input declarations for the two layouts described in the module docstring."""
    import pandas as pd
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType

    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise InputError(f"feature columns missing from the data: {', '.join(missing)}")
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in features]
    if all(numeric) and not _selects_by_name(estimator):
        return [("X", FloatTensorType([None, len(features)]))]
    declared: list[tuple[str, Any]] = []
    for column in features:
        dtype = frame[column].dtype
        if pd.api.types.is_float_dtype(dtype):
            declared.append((column, FloatTensorType([None, 1])))
        elif pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            declared.append((column, Int64TensorType([None, 1])))
        else:
            declared.append((column, StringTensorType([None, 1])))
    return declared


def classes_of(estimator: Any) -> list[Any] | None:
    found = getattr(estimator, "classes_", None)
    return list(found) if found is not None else None


def _selects_by_name(estimator: Any) -> bool:
    from sklearn.compose import ColumnTransformer

    return any(isinstance(step, ColumnTransformer) for _, step in walk(estimator))


def _classifiers(estimator: Any) -> list[Any]:
    from sklearn.base import ClassifierMixin

    return [step for _, step in walk(estimator) if isinstance(step, ClassifierMixin)] + (
        [estimator] if _is_classifier_pipeline(estimator) else []
    )


def _is_classifier_pipeline(estimator: Any) -> bool:
    from sklearn.base import ClassifierMixin
    from sklearn.pipeline import Pipeline

    return isinstance(estimator, Pipeline) and isinstance(estimator.steps[-1][1], ClassifierMixin)


def _supported_like(step: Any, known: dict[type, str]) -> tuple[str, list[str]]:
    """Supported estimators of `step`'s role (classifiers, regressors or transformers)."""
    from sklearn.base import ClassifierMixin, RegressorMixin

    for role, mixin in (("classifiers", ClassifierMixin), ("regressors", RegressorMixin)):
        if isinstance(step, mixin):
            return role, sorted(cls.__name__ for cls in known if issubclass(cls, mixin))
    other = (ClassifierMixin, RegressorMixin)
    return "transformers", sorted(cls.__name__ for cls in known if not issubclass(cls, other))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
