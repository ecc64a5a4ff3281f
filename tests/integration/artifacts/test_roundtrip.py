"""Source model → `build` → ONNX artifact → the equivalence gate says they predict the same.

Real models, real skl2onnx/torch exports, real ONNX Runtime sessions; the gate is called directly
(`evaluate`) until `equivalence` is in the gate registry.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlops_gate.api import build
from mlops_gate.fsutil import sha256_file
from mlops_gate.gates import equivalence
from mlops_gate.results import Verdict
from tests.integration.artifacts.helpers import MIXED, NUMERIC, mixed_frame, project
from tests.support import load_context

pytestmark = pytest.mark.integration


def _pipeline() -> Pipeline:
    columns = ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"]),
        ]
    )
    return Pipeline([("prep", columns), ("clf", LogisticRegression())])


CASES: dict[str, tuple[Any, list[str]]] = {
    "logistic": (LogisticRegression(), NUMERIC),
    "forest-20": (RandomForestClassifier(n_estimators=20, max_depth=8, random_state=0), NUMERIC),
    "pipeline-onehot": (_pipeline(), MIXED),
    "mlp": (MLPClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=0), NUMERIC),
}


@pytest.fixture(autouse=True)
def _no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_GATE_ENGINE", "none")


@pytest.mark.parametrize("name", sorted(CASES))
def test_exported_model_predicts_what_its_source_predicts(name: str, tmp_path: Path) -> None:
    estimator, features = CASES[name]
    policy = project(tmp_path, estimator, features)
    result = build(policy, tmp_path / "dist")

    config = equivalence.Config(
        type="equivalence",
        source=equivalence.SourceRef(path="source.joblib", trust="pickle"),
        min_agreement=0.999,
        max_proba_diff=1e-4,
    )
    outcome = equivalence.evaluate(config, load_context(policy))
    assert outcome.verdict == Verdict.PASS, outcome.message
    assert outcome.value is not None
    assert outcome.value >= 0.999
    assert outcome.details["rows"] == 1500
    assert "ties" in outcome.details

    manifest = json.loads((tmp_path / "dist" / "build.json").read_text(encoding="utf-8"))
    assert manifest == result.manifest
    assert manifest["features"] == features
    assert manifest["classes"] == [0, 1]
    assert manifest["source"]["kind"] == "sklearn"
    float_entry = manifest["artifacts"][0]
    assert float_entry["sha256"] == sha256_file(tmp_path / "dist" / "model.onnx")
    names = [i["name"] for i in manifest["inputs"]]
    assert names == (["X"] if features == NUMERIC else features)


def test_pipeline_records_per_column_inputs_in_the_onnx_metadata(tmp_path: Path) -> None:
    import onnx

    policy = project(tmp_path, _pipeline(), MIXED)
    build(policy, tmp_path / "dist")
    model = onnx.load(str(tmp_path / "dist" / "model.onnx"))
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["features"]) == MIXED
    inputs = {i["name"]: i for i in json.loads(meta["inputs"])}
    assert inputs["city"]["type"] == "string"
    assert inputs["a"]["shape"] == [None, 1]
    assert not any(o.name == "output_probability" for o in model.graph.output)  # no ZipMap
    assert json.loads(meta["mlops_gate.source"])["sha256"] == sha256_file(
        tmp_path / "source.joblib"
    )


def test_torch_module_exports_with_a_dynamic_batch_axis(tmp_path: Path) -> None:
    import onnxruntime as ort
    import torch  # installed by the test setup (scripts/ensure-venv.sh, the torch extra)

    torch.manual_seed(0)
    train = mixed_frame(600, seed=1)
    x = torch.tensor(train[NUMERIC].to_numpy(dtype=np.float32))
    y = torch.tensor(train["label"].to_numpy())
    module = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    optimiser = torch.optim.Adam(module.parameters(), lr=0.05)
    for _ in range(60):
        optimiser.zero_grad()
        torch.nn.functional.cross_entropy(module(x), y).backward()
        optimiser.step()
    torch.save(module, tmp_path / "source.pt")  # a whole pickled module: needs trust: pickle
    policy = project(tmp_path, LogisticRegression(), NUMERIC, artifacts={"onnx": {"opset": 17}})
    text = policy.read_text(encoding="utf-8").replace("path: source.joblib", "path: source.pt")
    policy.write_text(text, encoding="utf-8")

    manifest = build(policy, tmp_path / "dist").manifest
    assert manifest["source"]["kind"] == "torch"
    assert manifest["opset"] == 17
    assert manifest["inputs"] == [{"name": "X", "type": "float", "shape": [None, 4]}]
    evaluation = mixed_frame(300, seed=2)[NUMERIC].to_numpy(dtype=np.float32)
    session = ort.InferenceSession(
        str(tmp_path / "dist" / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    labels, proba = session.run(["label", "probabilities"], {"X": evaluation})
    with torch.no_grad():
        expected = torch.softmax(module(torch.tensor(evaluation)), dim=1).numpy()
    assert proba.shape == (300, 2)  # a batch of 300 through a graph traced with 2 rows
    assert np.abs(proba - expected).max() < 1e-5
    assert (labels == expected.argmax(axis=1)).all()
