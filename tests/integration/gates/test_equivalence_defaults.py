"""The equivalence gate's default tolerances pass the tool's own exports of every supported source.

Issue 16: the absolute default (1e-4) failed `build`'s own XGBRegressor export on targets 25 to
346 (float32 rounding, 1.1e-6 relative). Real data (scikit-learn's bundled breast-cancer and
diabetes sets, the diabetes targets being exactly that 25-346 range), real models, the real
`build` (skl2onnx, onnxmltools, torch.onnx), real ONNX Runtime sessions, the gate with nothing but
its `source`.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import (
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from xgboost import XGBClassifier, XGBRegressor

from mlops_gate.api import build
from mlops_gate.gates import equivalence
from mlops_gate.metrics.closeness import closeness
from mlops_gate.results import GateResult, Verdict
from tests.support import load_context, write_policy, write_table

pytestmark = pytest.mark.integration

CLASSIFIERS: dict[str, Any] = {
    "sklearn-logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
    "sklearn-forest-100": lambda: RandomForestClassifier(n_estimators=100, random_state=0),
    "sklearn-mlp": lambda: make_pipeline(
        StandardScaler(), MLPClassifier(hidden_layer_sizes=(32,), max_iter=500, random_state=0)
    ),
    "lightgbm": lambda: LGBMClassifier(n_estimators=100, verbose=-1, random_state=0),
    "xgboost": lambda: XGBClassifier(n_estimators=100, max_depth=4, random_state=0),
}
REGRESSORS: dict[str, Any] = {
    "sklearn-linear": LinearRegression,
    "sklearn-forest": lambda: RandomForestRegressor(n_estimators=100, random_state=0),
    "sklearn-gbr": lambda: GradientBoostingRegressor(random_state=0),
    "sklearn-mlp": lambda: make_pipeline(
        StandardScaler(), MLPRegressor(hidden_layer_sizes=(32,), max_iter=2000, random_state=0)
    ),
    "lightgbm": lambda: LGBMRegressor(n_estimators=100, verbose=-1, random_state=0),
    "xgboost": lambda: XGBRegressor(n_estimators=100, max_depth=4, random_state=0),
}


@pytest.fixture(autouse=True)
def _no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_GATE_ENGINE", "none")


def _data(task: str) -> pd.DataFrame:
    loader = load_diabetes if task == "regression" else load_breast_cancer
    frame: pd.DataFrame = loader(as_frame=True).frame
    features = [c for c in frame.columns if c != "target"]
    return frame.rename(columns={c: f"x{i}" for i, c in enumerate(features)})


def _exported(root: Path, estimator: Any, task: str) -> Path:
    """source.joblib trained on half the data, `build` to dist/model.onnx; the policy."""
    frame = _data(task)
    features = [c for c in frame.columns if c != "target"]
    train, evaluation = frame.iloc[::2], frame.iloc[1::2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a small MLP, on purpose
        estimator.fit(train[features], train["target"])
    joblib.dump(estimator, root / "source.joblib")
    write_table(train, root / "reference.parquet")
    write_table(evaluation, root / "eval.parquet")
    policy = write_policy(
        root,
        {
            "version": 1,
            "name": "equivalence-defaults",
            "model": {"path": "dist/model.onnx", "task": task},
            "data": {
                "eval": "eval.parquet",
                "reference": "reference.parquet",
                "target": "target",
                "features": features,
            },
            "gates": [{"type": "size", "max_mb": 50}],
            "artifacts": {"source": {"path": "source.joblib", "trust": "pickle"}},
        },
    )
    build(policy, root / "dist")
    return policy


def _gate(policy: Path, **limits: Any) -> GateResult:
    source = equivalence.SourceRef(path="source.joblib", trust="pickle")
    config = equivalence.Config(type="equivalence", source=source, **limits)
    return equivalence.evaluate(config, load_context(policy))


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_default_tolerances_pass_each_classifier_export(name: str, tmp_path: Path) -> None:
    outcome = _gate(_exported(tmp_path, CLASSIFIERS[name](), "classification"))
    assert outcome.verdict is Verdict.PASS, outcome.message
    details = outcome.details
    assert (details["rtol"], details["atol"]) == (1e-5, 1e-3)
    assert details["rows_outside"] == 0
    assert details["tolerance_used"] <= 1
    assert details["rows"] == 284


@pytest.mark.parametrize("name", sorted(REGRESSORS))
def test_default_tolerances_pass_each_regressor_export(name: str, tmp_path: Path) -> None:
    policy = _exported(tmp_path, REGRESSORS[name](), "regression")
    outcome = _gate(policy)
    assert outcome.verdict is Verdict.PASS, outcome.message
    details = outcome.details
    assert (details["rtol"], details["atol"]) == (1e-5, 1e-4)
    assert details["rows_outside"] == 0
    assert outcome.value is not None
    assert outcome.threshold is not None
    assert outcome.value <= outcome.threshold
    # The reported figures are numpy's, on the same two prediction vectors.
    source = joblib.load(tmp_path / "source.joblib")
    evaluation = pd.read_parquet(tmp_path / "eval.parquet")
    expected = source.predict(evaluation.drop(columns="target"))
    assert details["rows"] == len(expected) == 221
    assert expected.min() > 20  # diabetes progression: outputs far from 0, as in issue 16
    assert details["max_rel_diff"] < 1e-5


def test_the_xgb_regressor_export_fails_the_old_absolute_rule(tmp_path: Path) -> None:
    """Issue 16's figures: what `max_abs_diff: 1e-4` alone (rtol 0) says of the same export."""
    policy = _exported(tmp_path, REGRESSORS["xgboost"](), "regression")
    old = _gate(policy, rtol=0, max_abs_diff=1e-4)
    assert old.verdict is Verdict.FAIL, old.message
    assert old.details["max_abs_diff"] > 1e-4
    assert 1e-7 < old.details["max_rel_diff"] < 1e-5
    assert _gate(policy).verdict is Verdict.PASS


def test_setting_atol_and_its_deprecated_spelling_is_an_error() -> None:
    from pydantic import ValidationError

    source = equivalence.SourceRef(path="m.onnx")
    with pytest.raises(ValidationError, match="set atol or its deprecated spelling"):
        equivalence.Config(type="equivalence", source=source, atol=1e-3, max_abs_diff=1e-3)
    old = equivalence.Config(type="equivalence", source=source, max_proba_diff=0.01)
    assert old.tolerances("classification") == (1e-5, 0.01)
    assert old.tolerances("regression") == (1e-5, 1e-4)


def test_default_tolerances_hold_for_a_torch_export(tmp_path: Path) -> None:
    """The gate opens no torch file (`source` is ONNX or a sklearn pickle), so the same closeness
    rule and defaults are applied here to torch's own outputs and the exported ONNX's."""
    import onnxruntime as ort
    import torch  # the torch extra (scripts/ensure-venv.sh)

    frame = _data("classification")
    features = [c for c in frame.columns if c != "target"]
    x = frame[features].to_numpy(dtype=np.float32)
    x = (x - x.mean(axis=0)) / x.std(axis=0)  # the module sees standardised inputs
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(30, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    optimiser = torch.optim.Adam(module.parameters(), lr=0.05)
    inputs, labels = torch.tensor(x), torch.tensor(frame["target"].to_numpy())
    for _ in range(100):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(module(inputs), labels)
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
    torch.save(module, tmp_path / "source.pt")
    write_table(frame.assign(**dict(zip(features, x.T, strict=True))), tmp_path / "eval.parquet")
    document = {
        "version": 1,
        "name": "torch-defaults",
        "model": {"path": "dist/model.onnx", "task": "classification"},
        "data": {"eval": "eval.parquet", "target": "target", "features": features},
        "gates": [{"type": "size", "max_mb": 50}],
        "artifacts": {"source": {"path": "source.pt", "trust": "pickle"}, "onnx": {"opset": 17}},
    }
    build(write_policy(tmp_path, document), tmp_path / "dist")
    session = ort.InferenceSession(
        str(tmp_path / "dist" / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    _, proba = session.run(["label", "probabilities"], {"X": x})
    with torch.no_grad():
        expected = torch.softmax(module(inputs), dim=1).numpy()
    rtol, atol = equivalence.tolerances("classification")
    found = closeness(proba, expected, rtol, atol)
    assert found.max_used <= 1, (found.max_abs_diff, found.max_rel_diff)
    assert not found.nonfinite.any()
