"""Registry URIs get the refusal a local file gets (issue 14, item 1), against a real `mlflow server`.

Hostile model folders are logged to a run as a training job would log them (an `MLmodel` file
naming the flavour's file), then named by `runs:/<id>/model` as a build source and as the model
`check` gates. A malformed `MLmodel` is one line and exit 2, not a crash.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression

from mlops_gate.api import build
from mlops_gate.errors import InputError
from tests.integration.artifacts.helpers import NUMERIC, project
from tests.integration.artifacts.hostile import write_hostile
from tests.support import run_cli

pytestmark = pytest.mark.integration

FOLDERS = {  # MLmodel flavours → the file the payload sits in, and what build says
    "sklearn-pickle": (
        "sklearn: {pickled_model: model.pkl, serialization_format: cloudpickle}\n"
        "  python_function: {loader_module: mlflow.sklearn, model_path: model.pkl}",
        "model.pkl",
        "refusing to unpickle an untrusted model",
    ),
    "sklearn-skops": ("sklearn: {pickled_model: model.skops}", "model.skops", "not a skops file"),
    "pytorch-pth": ("pytorch: {model_data: data}", "data/model.pth", "untrusted torch model"),
    "pytorch-pt2": ("pytorch: {model_data: data}", "data/model.pt2", "untrusted torch model"),
    "pyfunc-only": (
        "python_function: {loader_module: mlflow.pyfunc, data: model.pkl}",
        "model.pkl",
        "no onnx, sklearn, pytorch flavour to export",
    ),
}


@pytest.fixture(autouse=True)
def _no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_GATE_ENGINE", "none")


def _logged(client: MlflowClient, folder: Path) -> str:
    experiment = client.create_experiment(f"hostile-{uuid.uuid4().hex[:8]}")
    run_id = client.create_run(experiment).info.run_id
    client.log_artifacts(run_id, str(folder), "model")
    client.set_terminated(run_id)
    return f"runs:/{run_id}/model"


def _hostile_folder(root: Path, kind: str, marker: Path) -> Path:
    flavours, file, _ = FOLDERS[kind]
    folder = root / kind
    (folder / file).parent.mkdir(parents=True)
    (folder / "MLmodel").write_text(f"flavors:\n  {flavours}\n", encoding="utf-8")
    write_hostile(folder / file, marker)
    return folder


def _point(policy: Path, *, source: str | None = None, model: str | None = None) -> None:
    document = yaml.safe_load(policy.read_text(encoding="utf-8"))
    if source is not None:
        document["artifacts"]["source"] = {"path": source}
    if model is not None:
        document["model"]["path"] = model
    policy.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def test_hostile_flavours_behind_runs_uris_are_never_opened(
    registry_env: Any, tmp_path: Path
) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    policy = project(tmp_path, LogisticRegression(), NUMERIC, n=200)
    for kind in FOLDERS:
        marker = tmp_path / f"RAN-{kind}"
        uri = _logged(client, _hostile_folder(tmp_path / "logged", kind, marker))
        _point(policy, source=uri)
        with pytest.raises(InputError, match=FOLDERS[kind][2]) as caught:
            build(policy, tmp_path / "dist")
        assert "\n" not in str(caught.value)
        assert not marker.exists(), f"{kind}: the payload ran during build"

        _point(policy, model=uri)
        done = run_cli("check", str(policy), "--evidence", str(tmp_path / "e.json"), cwd=tmp_path)
        assert done.returncode == 2, (kind, done.stdout, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr
        assert not marker.exists(), f"{kind}: the payload ran during check"


@pytest.mark.parametrize(
    "text", ["flavors: [unclosed\n", "flavors: 3\n", "\xff\xfe not utf-8", "- a list\n"]
)
def test_a_malformed_mlmodel_is_exit_2_with_one_line(
    text: str, registry_env: Any, tmp_path: Path
) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    policy = project(tmp_path, LogisticRegression(), NUMERIC, n=200)
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "MLmodel").write_bytes(text.encode("latin-1"))
    (folder / "model.onnx").write_bytes(b"unused")
    uri = _logged(client, folder)
    _point(policy, source=uri, model=uri)
    with pytest.raises(InputError, match=f"{uri}: its MLmodel file is"):
        build(policy, tmp_path / "dist")
    done = run_cli("check", str(policy), "--evidence", str(tmp_path / "e.json"), cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    assert f"{uri}: its MLmodel file is" in done.stdout
