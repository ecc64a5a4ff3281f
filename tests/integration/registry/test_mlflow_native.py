"""MLflow-native records (issue 17, item 4), queried back from a real `mlflow server`: the
check run's metrics under the names `mlflow.evaluate` uses, its eval/reference datasets with
their digests, its HTML and Markdown reports, and the registered version's signature and input
example, all read with MLflow's own client API (`mlflow.search_runs` filters included)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient

from mlops_gate.fsutil import sha256_file
from tests.integration.mlflow_server import MlflowServer
from tests.support import basic_project, run_cli

pytestmark = pytest.mark.integration

GATES = [
    {"type": "metric", "metric": "accuracy", "min": 0.5},
    {"type": "metric", "metric": "roc_auc", "min": 0.5},
    {"type": "drift", "max": 5.0},
    {"type": "size", "max_mb": 5},
]


@pytest.fixture(scope="module")
def checked(
    mlflow_server: MlflowServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """A project checked (`--html`, `--record required`) and promoted against the server, once
    for the module (each step is a real `mlops-gate` process)."""
    tmp_path = tmp_path_factory.mktemp("native")
    name = f"native-{uuid.uuid4().hex[:8]}"
    basic_project(
        tmp_path, GATES, n=400, name=name, promote={"model_name": name, "alias": "champion"}
    )
    env = {"MLFLOW_TRACKING_URI": mlflow_server.uri}
    done = run_cli("check", "--html", "report.html", "--record", "required", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    promoted = run_cli("promote", cwd=tmp_path, env=env)
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    return name, tmp_path


def test_search_runs_finds_the_check_by_the_names_mlflow_users_know(
    registry_env: MlflowServer, checked: tuple[str, Path]
) -> None:
    name, _ = checked
    mlflow.set_tracking_uri(registry_env.uri)
    found = mlflow.search_runs(
        experiment_names=[f"mlops-gate/{name}"],
        filter_string=(
            "metrics.accuracy_score >= 0.5 and metrics.roc_auc > 0.5 "
            "and tags.`mlops_gate.verdict` = 'pass' and tags.`mlops_gate.kind` = 'check'"
        ),
        output_format="list",
    )
    assert len(found) == 1
    metrics = found[0].data.metrics
    # The same numbers under the per-gate keys, which older dashboards read.
    assert metrics["accuracy_score"] == metrics["gate.metric:accuracy"]
    assert metrics["roc_auc"] == metrics["gate.metric:roc_auc"]
    assert {"drift.psi", "drift.psi.f0", "drift.psi.f3", "model_size_bytes"} <= set(metrics)
    worst = max(metrics[f"drift.psi.f{i}"] for i in range(4))  # columns rounded to 6 digits
    assert metrics["drift.psi"] == pytest.approx(worst, abs=1e-6)
    drifted = mlflow.search_runs(
        experiment_names=[f"mlops-gate/{name}"],
        filter_string="metrics.`drift.psi.f0` > 100",
        output_format="list",
    )
    assert drifted == []


def test_eval_and_reference_are_datasets_with_the_files_digests(
    registry_env: MlflowServer, checked: tuple[str, Path]
) -> None:
    name, folder = checked
    client = MlflowClient(registry_env.uri, registry_env.uri)
    (run,) = client.search_runs(
        [client.get_experiment_by_name(f"mlops-gate/{name}").experiment_id],
        "tags.`mlops_gate.kind` = 'check'",
    )
    by_context = {
        next(t.value for t in item.tags if t.key == "mlflow.data.context"): item.dataset
        for item in run.inputs.dataset_inputs
    }
    assert set(by_context) == {"eval", "reference"}
    for context, file in (("eval", "eval.parquet"), ("reference", "reference.parquet")):
        dataset = by_context[context]
        assert dataset.digest == sha256_file(folder / file)[:32]
        assert dataset.name == f"{name}/{context}"
        assert json.loads(dataset.profile)["num_rows"] == 400
        columns = [c["name"] for c in json.loads(dataset.schema)["mlflow_colspec"]]
        assert {"f0", "f1", "f2", "f3", "label"} <= set(columns)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "mlops-gate")}
    assert {"mlops-gate/report.html", "mlops-gate/report.md", "mlops-gate/results.json"} <= (
        artifacts
    )
    html = client.download_artifacts(run.info.run_id, "mlops-gate/report.html", str(folder / "dl"))
    assert Path(html).read_bytes() == (folder / "report.html").read_bytes()


def test_the_registered_version_has_a_signature_and_an_input_example(
    registry_env: MlflowServer, checked: tuple[str, Path]
) -> None:
    name, folder = checked
    mlflow.set_registry_uri(registry_env.uri)
    mlflow.set_tracking_uri(registry_env.uri)
    info = mlflow.models.get_model_info(f"models:/{name}@champion")
    assert info.signature is not None
    assert info.signature.inputs.input_names() == ["f0", "f1", "f2", "f3"]
    assert info.signature.outputs.input_names() == ["label", "probabilities"]
    assert info.saved_input_example_info is not None
    local = mlflow.artifacts.download_artifacts(
        f"models:/{name}@champion", dst_path=str(folder / "registered")
    )
    example = mlflow.models.Model.load(local).load_input_example(local)
    assert list(example.columns) == ["f0", "f1", "f2", "f3"]
    assert len(example) == 5
