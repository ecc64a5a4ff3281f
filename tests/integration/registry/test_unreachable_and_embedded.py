"""A registry down or silent, secrets in output, the embedded default (issue #4, items 5-6)."""

from __future__ import annotations

import socket
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlops_gate import api as commands
from mlops_gate.registry.errors import RegistryError
from tests.integration.mlflow_server import MlflowServer, free_port
from tests.unit.registry.support import make_project, write_evidence_for

pytestmark = pytest.mark.integration
TOKEN = "tok-" + uuid.uuid4().hex
PASSWORD = "pw-" + uuid.uuid4().hex


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (kernel backlog) and never answers: a hung registry."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def test_registry_down_is_one_line_exit_2_without_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://alice:{PASSWORD}@127.0.0.1:{free_port()}")
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", TOKEN)
    project = make_project(tmp_path, "down")

    with pytest.raises(RegistryError) as caught:
        commands.promote(
            project.policy, write_evidence_for(project, baseline_version=None), timeout=30
        )

    message = str(caught.value)
    assert "cannot connect" in message
    assert int(caught.value.exit_code) == 2
    assert len(message.splitlines()) == 1
    assert PASSWORD not in message
    assert TOKEN not in message
    assert "http://***@127.0.0.1" in message


def test_a_hung_registry_is_bounded_by_the_timeout(
    silent_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{silent_port}")
    project = make_project(tmp_path, "hung")

    with pytest.raises(RegistryError, match=r"timed out \(--timeout 3 s\)"):
        commands.history(project.policy, timeout=3)


def test_credentials_stay_out_of_results(
    registry_env: MlflowServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "MLFLOW_TRACKING_URI", registry_env.uri.replace("http://", f"http://bob:{PASSWORD}@")
    )
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", TOKEN)
    project = make_project(tmp_path, f"secret-{uuid.uuid4().hex[:8]}")

    done = commands.promote(
        project.policy, write_evidence_for(project, baseline_version=None), timeout=60
    )
    lines = commands.history(project.policy, timeout=60).lines()

    text = "\n".join([done.summary(), *lines])
    assert done.version == "1"
    assert PASSWORD not in text
    assert TOKEN not in text
    assert "http://***@127.0.0.1" in done.summary()


@pytest.mark.slow
# MLflow's sqlite store uses an SQLAlchemy loader option that SQLAlchemy 2.1 deprecates (not ours).
@pytest.mark.filterwarnings(
    "ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning"
)
def test_embedded_default_needs_no_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    first = make_project(tmp_path / "a", "embedded", seed=1)
    second = make_project(tmp_path / "b", "embedded", seed=2)

    one = commands.promote(first.policy, write_evidence_for(first, baseline_version=None))
    two = commands.promote(second.policy, write_evidence_for(second, baseline_version="1"))
    back = commands.rollback(second.policy)

    assert (one.version, two.version, two.previous, back.version) == (
        "1",
        "2",
        "1",
        "1",
    )  # str, not sqlite's int
    assert one.registry == ".mlops-gate/mlflow.db (embedded)"
    assert commands.history(second.policy).holder == "1"
    database = tmp_path / ".mlops-gate" / "mlflow.db"
    with sqlite3.connect(database) as db:
        aliases = db.execute("select alias, version from registered_model_aliases").fetchall()
    assert aliases == [("champion", 1)]
    stored = list((tmp_path / ".mlops-gate" / "mlartifacts").rglob("model.onnx"))
    assert len(stored) == 2
    assert not (tmp_path / "mlruns").exists()
