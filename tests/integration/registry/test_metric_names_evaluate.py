"""The names of registry/metric_names.py are the keys MLflow's own default evaluator logs."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from mlops_gate.registry.metric_names import EVALUATE_NAMES

pytestmark = pytest.mark.integration


def test_the_names_are_those_mlflow_evaluate_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mlflow.models.evaluate` on real predictions: each name we map a label metric to is a
    key it logs, with scikit-learn's value (the one our metric gate computes)."""
    import mlflow

    monkeypatch.chdir(tmp_path)
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'm.db'}")
    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    label = (features["a"] + rng.normal(scale=0.5, size=300) > 0).astype(int)
    predicted = LogisticRegression().fit(features, label).predict(features)
    data = features.assign(label=label, prediction=predicted)
    with warnings.catch_warnings():
        # MLflow warns about its own type hints while evaluating: its notice, not ours.
        warnings.simplefilter("ignore")
        with mlflow.start_run():
            result = mlflow.models.evaluate(
                data=data, targets="label", predictions="prediction", model_type="classifier"
            )
    expected = {
        "accuracy": accuracy_score(label, predicted),
        "precision": precision_score(label, predicted),
        "recall": recall_score(label, predicted),
        "f1": f1_score(label, predicted),
    }
    for name, value in expected.items():
        assert result.metrics[EVALUATE_NAMES[name]] == pytest.approx(value, rel=1e-12)
