"""The curves a `metric` gate records for the HTML report, against scikit-learn on the outputs
ONNX Runtime gives for real models (issue 17: confusion matrix, ROC/PR/calibration, residuals)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as sk
from sklearn.calibration import calibration_curve

from mlops_gate.metrics.curves import MAX_POINTS
from mlops_gate.reports import pieces
from tests.integration.gates.test_metric_gate import EVAL, WEAK, check, onnx_outputs
from tests.integration.gates.test_metric_gate import project as project  # the module fixture
from tests.support import FEATURES

pytestmark = pytest.mark.integration


def test_a_label_metric_records_sklearns_confusion_matrix(project: Path) -> None:
    result = check(project, {"metric": "accuracy", "min": 0.5})
    labels, _ = onnx_outputs(project / "model.onnx", EVAL)
    confusion = result.details["curves"]["confusion"]
    assert confusion["classes"] == ["0", "1"]
    assert confusion["matrix"] == sk.confusion_matrix(EVAL["label"], labels).tolist()
    assert "model" not in result.details["curves"]  # ROC belongs to a probability metric's gate


def test_roc_auc_records_model_and_champion_curves_on_sklearns_points(project: Path) -> None:
    result = check(project, {"metric": "roc_auc", "min": 0.5}, baseline=WEAK)
    curves = result.details["curves"]
    for role, path in (("model", "model.onnx"), ("champion", "baseline.onnx")):
        _, proba = onnx_outputs(project / path, EVAL)
        scores = np.array([row[1] for row in proba]) if proba.dtype == object else proba[:, 1]
        fpr, tpr, _ = sk.roc_curve(EVAL["label"], scores, drop_intermediate=False)
        theirs = set(zip(np.round(fpr, 5).tolist(), np.round(tpr, 5).tolist(), strict=True))
        mine = curves[role]["roc"]
        assert len(mine["fpr"]) <= MAX_POINTS
        assert set(zip(mine["fpr"], mine["tpr"], strict=True)) <= theirs
        observed, predicted = calibration_curve(EVAL["label"], scores, n_bins=10)
        np.testing.assert_allclose(curves[role]["calibration"]["observed"], observed, atol=1e-5)
        np.testing.assert_allclose(curves[role]["calibration"]["predicted"], predicted, atol=1e-5)
    charts = pieces.charts(result)
    assert any("ROC curve" in chart and "champion" in chart for chart in charts)


def test_regression_records_predicted_against_actual_and_residuals(project: Path) -> None:
    policy = {
        "model": {"path": "reg.onnx", "task": "regression"},
        "data": {"eval": "reg_eval.parquet", "target": "target", "features": FEATURES},
    }
    result = check(project, {"metric": "mae", "max": 100.0}, **policy)
    found = result.details["curves"]["regression"]
    assert len(found["actual"]) == len(found["predicted"]) <= MAX_POINTS
    assert sum(found["residual_counts"]) == 1000
    titles = " ".join(pieces.charts(result))
    assert "Predicted against actual" in titles
    assert "Residuals (predicted - actual)" in titles
