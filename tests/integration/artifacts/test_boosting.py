"""LightGBM/XGBoost (alone and ending a pipeline) → `build` → ONNX that predicts what they predict.

Real boosters trained on a DataFrame (named columns, as users train them), real onnxmltools
conversion through skl2onnx, real ONNX Runtime sessions; the equivalence gate compares them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
import yaml
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from xgboost import XGBClassifier, XGBRegressor

from mlops_gate.api import build
from mlops_gate.gates import equivalence
from mlops_gate.results import Verdict
from tests.integration.artifacts.helpers import NUMERIC, project
from tests.support import load_context

pytestmark = pytest.mark.integration

CLASSIFIERS: dict[str, Any] = {
    "lgbm": lambda: LGBMClassifier(n_estimators=40, num_leaves=15, verbose=-1, random_state=0),
    "xgb": lambda: XGBClassifier(n_estimators=40, max_depth=4, random_state=0),
    "scaler-lgbm": lambda: Pipeline(
        [("scale", StandardScaler()), ("clf", LGBMClassifier(n_estimators=40, verbose=-1))]
    ),
    "scaler-xgb": lambda: Pipeline(
        [("scale", StandardScaler()), ("clf", XGBClassifier(n_estimators=40, max_depth=4))]
    ),
}
REGRESSORS: dict[str, Any] = {
    "lgbm-regressor": lambda: LGBMRegressor(n_estimators=40, verbose=-1, random_state=0),
    "xgb-regressor": lambda: XGBRegressor(n_estimators=40, max_depth=4, random_state=0),
}


@pytest.fixture(autouse=True)
def _no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_GATE_ENGINE", "none")


def _equivalence(policy: Path) -> Any:
    config = equivalence.Config(
        type="equivalence",
        source=equivalence.SourceRef(path="source.joblib", trust="pickle"),
        min_agreement=0.999,
        max_proba_diff=1e-4,
        max_abs_diff=1e-4,
    )
    return equivalence.evaluate(config, load_context(policy))


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_booster_artifact_predicts_what_its_source_predicts(name: str, tmp_path: Path) -> None:
    policy = project(tmp_path, CLASSIFIERS[name](), NUMERIC, artifacts={"onnx": {"opset": 17}})
    manifest = build(policy, tmp_path / "dist").manifest

    outcome = _equivalence(policy)
    assert outcome.verdict == Verdict.PASS, outcome.message
    assert outcome.value is not None
    assert outcome.value >= 0.999
    assert outcome.details["rows"] == 1500
    assert manifest["source"]["kind"] == ("lightgbm" if "lgbm" in name else "xgboost")
    assert manifest["classes"] == [0, 1]
    assert manifest["inputs"] == [{"name": "X", "type": "float", "shape": [None, 4]}]
    model = onnx.load(str(tmp_path / "dist" / "model.onnx"))
    opsets = {entry.domain: entry.version for entry in model.opset_import}
    assert opsets["ai.onnx.ml"] <= 3  # onnxmltools' cap, whatever the default-domain opset
    assert [o.name for o in model.graph.output] == ["label", "probabilities"]  # no ZipMap
    assert json.loads({p.key: p.value for p in model.metadata_props}["features"]) == NUMERIC


@pytest.mark.parametrize("name", sorted(REGRESSORS))
def test_booster_regressor_artifact_matches_its_source(name: str, tmp_path: Path) -> None:
    policy = project(tmp_path, REGRESSORS[name](), NUMERIC, artifacts={"onnx": {"opset": 21}})
    document = yaml.safe_load(policy.read_text(encoding="utf-8"))
    document["model"]["task"] = "regression"
    policy.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    manifest = build(policy, tmp_path / "dist").manifest

    outcome = _equivalence(policy)
    assert outcome.verdict == Verdict.PASS, outcome.message
    assert manifest["classes"] is None
    assert manifest["opset"] is not None
    assert manifest["opset"] <= 21


def test_opset_21_keeps_the_ml_domain_at_3(tmp_path: Path) -> None:
    policy = project(tmp_path, CLASSIFIERS["xgb"](), NUMERIC, artifacts={"onnx": {"opset": 21}})
    build(policy, tmp_path / "dist")
    model = onnx.load(str(tmp_path / "dist" / "model.onnx"))
    opsets = {entry.domain: entry.version for entry in model.opset_import}
    assert opsets == {"": 21, "ai.onnx.ml": 3}
    assert _equivalence(policy).verdict == Verdict.PASS


def test_int8_variant_of_a_booster_is_built_and_compared(tmp_path: Path) -> None:
    policy = project(
        tmp_path, CLASSIFIERS["lgbm"](), NUMERIC, artifacts={"quantize": {"method": "dynamic"}}
    )
    manifest = build(policy, tmp_path / "dist").manifest
    variant = manifest["artifacts"][1]
    assert variant["variant"] == "int8"
    assert variant["vs_float"]["finite"] is True
    assert np.isclose(variant["vs_float"]["agreement"], 1.0)
