"""One source, one policy, one tool version: the same bytes on every build (issue 14, item 2).

skl2onnx names each graph with a fresh uuid4, so three builds of one joblib gave three sha256
values. Here the same project is built in two folders (another checkout, another runner) and
every artifact — the float model and its dynamic int8, static int8 and fp16 variants, and the
image context — must be byte-identical; only build.json's `created_at` may differ.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import onnx
import pytest
from sklearn.neural_network import MLPClassifier

from mlops_gate.api import build
from mlops_gate.fsutil import sha256_file
from tests.integration.artifacts.helpers import NUMERIC, project

pytestmark = pytest.mark.integration

VARIANTS = [
    {"method": "dynamic", "weight_type": "int8"},
    {"method": "static", "calibration_rows": 64},
    {"method": "fp16"},
]


@pytest.fixture(autouse=True)
def _no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_GATE_ENGINE", "none")


def _files(out: Path) -> dict[str, str]:
    return {
        str(path.relative_to(out)): sha256_file(path)
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.name != "build.json"
    }


def _twice(first: Path) -> tuple[Path, Path]:
    """`first` built, then a copy of its project (another folder) built."""
    second = first.parent / "elsewhere"
    shutil.copytree(first, second)
    build(first / "mlops-gate.yaml", first / "dist")
    build(second / "mlops-gate.yaml", second / "dist")
    return first / "dist", second / "dist"


def test_two_builds_of_one_source_are_byte_identical(tmp_path: Path) -> None:
    mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=200, random_state=0)
    root = tmp_path / "checkout"
    root.mkdir()
    project(root, mlp, NUMERIC, n=400, artifacts={"quantize": VARIANTS})
    one, two = _twice(root)

    files = _files(one)
    assert {"model.onnx", "model.int8.onnx", "model.int8-static.onnx", "model.fp16.onnx"} <= set(
        files
    )
    assert files == _files(two)
    manifests = [json.loads((out / "build.json").read_text(encoding="utf-8")) for out in (one, two)]
    shas = [[a["sha256"] for a in m["artifacts"]] for m in manifests]
    assert shas[0] == shas[1]

    source_sha = sha256_file(root / "source.joblib")
    for name in ("model.onnx", "model.int8.onnx"):
        model = onnx.load(str(one / name))
        assert model.graph.name == f"mlops_gate_{source_sha[:16]}"  # not skl2onnx's uuid4
        source = json.loads({p.key: p.value for p in model.metadata_props}["mlops_gate.source"])
        assert source["path"] == "source.joblib"  # not the folder it was built in


def test_two_builds_of_one_torch_source_are_byte_identical(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    root = tmp_path / "checkout"
    root.mkdir()
    policy = project(
        root, MLPClassifier(max_iter=5), NUMERIC, n=200, artifacts={"quantize": VARIANTS[:1]}
    )
    torch.save(module, root / "source.pt")
    policy.write_text(policy.read_text().replace("source.joblib", "source.pt"), encoding="utf-8")
    one, two = _twice(root)
    assert _files(one) == _files(two)
