"""TorchScript classifiers, scripted and traced, build and predict what torch predicts (issue 14,
item 3): the classifier head is added in ONNX, so no eager wrapper has to trace a ScriptModule.

Real modules saved with `torch.jit.save`, a real `build`, and the artifact run in ONNX Runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
import yaml
from sklearn.linear_model import LogisticRegression

from mlops_gate.api import build
from mlops_gate.errors import InputError
from tests.integration.artifacts.helpers import NUMERIC, mixed_frame, project

pytestmark = [
    pytest.mark.integration,
    # Making the fixtures: torch ≥ 2.9 deprecates TorchScript, but users still ship such files.
    pytest.mark.filterwarnings("ignore:`torch.jit.:DeprecationWarning"),
]

torch = pytest.importorskip("torch")


def _mlp(width: int) -> Any:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, width)
    ).eval()


def _softmaxed() -> Any:
    return torch.nn.Sequential(_mlp(2), torch.nn.Softmax(dim=1)).eval()


def _traced(module: Any) -> Any:
    return torch.jit.trace(module, torch.zeros(2, 4))


# name → (TorchScript module, onnx.torch_output, torch scores → probabilities)
CASES: dict[str, tuple[Callable[[], Any], str, Callable[[Any], Any]]] = {
    "scripted-logits": (lambda: torch.jit.script(_mlp(2)), "logits", lambda s: s.softmax(1)),
    "traced-logits": (lambda: _traced(_mlp(2)), "logits", lambda s: s.softmax(1)),
    "scripted-one-logit": (
        lambda: torch.jit.script(_mlp(1)),
        "logits",
        lambda s: torch.cat([1 - s.sigmoid(), s.sigmoid()], dim=1),
    ),
    "traced-probabilities": (lambda: _traced(_softmaxed()), "probabilities", lambda s: s),
}


@pytest.fixture(autouse=True)
def _no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_GATE_ENGINE", "none")


def _torchscript_project(root: Path, module: Any, output: str, trust: str | None) -> Path:
    torch.jit.save(module, str(root / "source.pt"))
    policy = project(root, LogisticRegression(), NUMERIC, n=300)
    document = yaml.safe_load(policy.read_text(encoding="utf-8"))
    source = {"path": "source.pt", **({"trust": trust} if trust else {})}
    document["artifacts"].update({"source": source, "onnx": {"opset": 17, "torch_output": output}})
    policy.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return policy


@pytest.mark.parametrize("name", sorted(CASES))
def test_torchscript_classifier_builds_and_matches_torch(name: str, tmp_path: Path) -> None:
    make, output, to_proba = CASES[name]
    module = make()
    policy = _torchscript_project(tmp_path, module, output, "pickle")
    manifest = build(policy, tmp_path / "dist").manifest
    assert manifest["source"]["kind"] == "torch"
    assert manifest["classes"] == [0, 1]

    rows = mixed_frame(257, seed=4)[NUMERIC].to_numpy(dtype=np.float32)
    session = ort.InferenceSession(
        str(tmp_path / "dist" / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    labels, proba = session.run(["label", "probabilities"], {"X": rows})
    with torch.no_grad():
        expected = to_proba(module(torch.tensor(rows))).numpy()
    assert proba.shape == (257, 2)
    assert np.abs(proba - expected).max() < 1e-5
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, expected.argmax(axis=1))


def test_torchscript_needs_trust_pickle(tmp_path: Path) -> None:
    policy = _torchscript_project(tmp_path, torch.jit.script(_mlp(2)), "logits", None)
    with pytest.raises(InputError, match="refusing to load an untrusted torch model"):
        build(policy, tmp_path / "dist")
