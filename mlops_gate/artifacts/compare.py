"""How a quantized variant differs from the float artifact, for `build.json` and the build summary.

The gates decide; this only reports (size, label agreement, largest probability gap, metric delta)
so a reviewer sees at build time what a variant costs. A variant whose outputs are NaN/inf is
flagged here and kept: its own gates fail it, and the float artifact is unaffected (issue 3).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.loaders.predictions import Predictions


def compare_to_float(
    float_path: Path,
    variant_path: Path,
    frame: pd.DataFrame,
    features: list[str],
    *,
    task: str,
    target: str | None,
) -> dict[str, Any]:
    """Agreement, probability gap, finiteness and metric delta of the variant on `frame`."""
    import numpy as np

    base = _predict(float_path, frame, features, task)
    variant = _predict(variant_path, frame, features, task)
    truth = frame[target].to_numpy() if target and target in frame.columns else None
    if task == "regression":
        a, b = _column(base.values), _column(variant.values)
        finite = bool(np.isfinite(b).all())
        report: dict[str, Any] = {"rows": len(a), "finite": finite}
        report["max_abs_diff"] = float(np.abs(a - b).max(initial=0.0)) if finite else None
        if truth is not None and finite:
            report["metric"] = "mae"
            report["metric_delta"] = _mae(b, truth) - _mae(a, truth)
        return report
    labels_a, labels_b = _column(base.labels), _column(variant.labels)
    proba_b = variant.proba
    finite = proba_b is None or bool(np.isfinite(proba_b).all())
    report = {
        "rows": len(labels_a),
        "finite": finite,
        "agreement": float(np.mean(labels_a == labels_b)),
    }
    if base.proba is not None and proba_b is not None and finite:
        report["max_proba_diff"] = float(np.abs(base.proba - proba_b).max(initial=0.0))
    if truth is not None:
        report["metric"] = "accuracy"
        report["metric_delta"] = _accuracy(labels_b, truth) - _accuracy(labels_a, truth)
    return report


def _predict(path: Path, frame: pd.DataFrame, features: list[str], task: str) -> Predictions:
    from mlops_gate.loaders.models import OnnxModel
    from mlops_gate.policy.model import ModelRef

    return OnnxModel(path, ModelRef(path=str(path)), task).predict(frame, features)


def _column(values: Any) -> Any:
    import numpy as np

    return np.asarray(values if values is not None else []).reshape(-1)


def _accuracy(labels: Any, truth: Any) -> float:
    import numpy as np

    return float(np.mean(labels.astype(str) == truth.astype(str))) if len(truth) else 0.0


def _mae(values: Any, truth: Any) -> float:
    import numpy as np

    return float(np.mean(np.abs(values - truth.astype(float)))) if len(truth) else 0.0
