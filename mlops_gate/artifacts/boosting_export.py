"""LightGBM and XGBoost models (alone or as a Pipeline's last step) to ONNX through onnxmltools.

The converters are registered with skl2onnx the documented way (`update_registered_converter`, see
skl2onnx's "Convert a pipeline with a LightGBM classifier" example), so a bare booster and a
`Pipeline(scaler, LGBMClassifier)` go through the same `convert_sklearn` call as any sklearn model:
same inputs, no ZipMap, probabilities as a plain `[rows, classes]` tensor.

Two things onnxmltools 1.16 needs (measured here, issue 3):
- the `ai.onnx.ml` opset at most 3 ("The model is using version 5 of domain 'ai.onnx.ml' not
  supported yet by this library"), whatever the default-domain opset; `target_opsets` caps it.
- XGBoost trees dumped with the DataFrame's column names ("Unable to interpret 'a', feature names
  should follow pattern 'f%d'"): the export works on a copy whose booster forgets them; the trees
  index features by position, which is the input's column order.
"""

from __future__ import annotations

import copy
from typing import Any

# onnxmltools' tree converters write TreeEnsembleClassifier/Regressor v3 at most.
MAX_ML_OPSET = 3
BOOSTING_MODULES = ("lightgbm", "xgboost")
_REGISTERED: set[type] = set()


def is_boosting(step: Any) -> bool:
    return type(step).__module__.split(".")[0] in BOOSTING_MODULES


def boosting_steps(estimator: Any) -> list[Any]:
    """The LightGBM/XGBoost estimators in `estimator` (itself, or nested in a pipeline)."""
    from mlops_gate.artifacts.pipeline_steps import walk

    return [step for _, step in walk(estimator) if is_boosting(step)]


def prepare(estimator: Any) -> Any:
    """Register the converters `estimator` needs; return what to convert (maybe a copy)."""
    steps = boosting_steps(estimator)
    for step in steps:
        register(type(step))
    if any(_named_xgboost_features(step) for step in steps):
        estimator = copy.deepcopy(estimator)
        for step in boosting_steps(estimator):
            if _named_xgboost_features(step):
                step.get_booster().feature_names = None
    return estimator


def target_opsets(opset: int, estimator: Any) -> int | dict[str, int]:
    """skl2onnx's `target_opset`: the policy's opset, with `ai.onnx.ml` capped for boosters."""
    if not boosting_steps(estimator):
        return opset
    return {"": opset, "ai.onnx.ml": MAX_ML_OPSET}


def register(cls: type) -> None:
    """Teach skl2onnx to convert `cls` (an LGBM/XGB classifier or regressor) with onnxmltools."""
    if cls in _REGISTERED:
        return
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )
    from sklearn.base import ClassifierMixin

    converter = _converter(cls)
    if issubclass(cls, ClassifierMixin):
        update_registered_converter(
            cls,
            f"{cls.__module__.split('.')[0]}{cls.__name__}",
            calculate_linear_classifier_output_shapes,
            converter,
            options={"nocl": [True, False], "zipmap": [True, False, "columns"]},
        )
    else:
        update_registered_converter(
            cls,
            f"{cls.__module__.split('.')[0]}{cls.__name__}",
            calculate_linear_regressor_output_shapes,
            converter,
        )
    _REGISTERED.add(cls)


def _converter(cls: type) -> Any:
    from mlops_gate.errors import DependencyError

    try:
        if cls.__module__.startswith("lightgbm"):
            from onnxmltools.convert.lightgbm.operator_converters.LightGbm import (
                convert_lightgbm,
            )

            return convert_lightgbm
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import (
            convert_xgboost,
        )

        return convert_xgboost
    except ImportError:
        raise DependencyError(
            f"exporting {cls.__name__} needs onnxmltools: pip install 'mlops-gate[boosting]'"
        ) from None


def _named_xgboost_features(step: Any) -> bool:
    """An XGBoost model whose booster carries names other than onnxmltools' `f0, f1, ...`."""
    if not type(step).__module__.startswith("xgboost"):
        return False
    names = step.get_booster().feature_names
    return bool(names) and names != [f"f{i}" for i in range(len(names))]
