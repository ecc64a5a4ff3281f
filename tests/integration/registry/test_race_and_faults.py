"""Concurrency and failure: racing promotions, a server killed mid-promotion (issue #4, item 5)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mlflow import MlflowClient

from mlops_gate import api as commands
from mlops_gate.commands.promote import promote as promote_command
from mlops_gate.gates.registry import load_policy
from mlops_gate.registry.errors import RegistryError
from mlops_gate.registry.lock import LOCK_PREFIX
from tests.integration.mlflow_server import MlflowServer
from tests.support import REPO
from tests.unit.registry.support import make_project, write_evidence_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]
LOST = r"^registry http://127\.0\.0\.1:\d+: .*: cannot connect"
VERSION_TAGS = {
    "mlops_gate.verdict",
    "mlops_gate.evidence_sha256",
    "mlops_gate.policy",
    "mlops_gate.policy_sha256",
    "mlops_gate.git_sha",
    "mlops_gate.model_sha256",
    "mlops_gate.run_id",
}


@pytest.fixture
def workers() -> Iterator[dict[str, subprocess.Popen[str]]]:
    """Worker processes by role; any still running when the test ends is killed."""
    started: dict[str, subprocess.Popen[str]] = {}
    yield started
    for process in started.values():
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def test_two_racing_promotions_exactly_one_wins(
    registry_env: MlflowServer, tmp_path: Path, workers: dict[str, subprocess.Popen[str]]
) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    name = f"race-{uuid.uuid4().hex[:8]}"
    champion = make_project(tmp_path / "champion", name, seed=1)
    commands.promote(
        champion.policy, write_evidence_for(champion, baseline_version=None), timeout=60
    )
    sync = tmp_path / "sync"
    sync.mkdir()
    for role, other, seed in (("a", "b", 2), ("b", "a", 3)):
        project = make_project(tmp_path / role, name, seed=seed)
        evidence = write_evidence_for(project, baseline_version="1")  # both checked against v1
        workers[role] = _spawn_worker(project.policy, evidence, sync, role, other)
    for role in workers:
        _wait_file(sync / f"{role}.ready", workers[role])
    (sync / "go").touch()
    outcomes = {role: (p.communicate(timeout=300), p.returncode) for role, p in workers.items()}

    codes = sorted(code for _output, code in outcomes.values())
    assert codes == [0, 2], outcomes
    loser = next(output[1] for output, code in outcomes.values() if code == 2)
    assert "baseline moved; re-run check" in loser
    assert len(loser.strip().splitlines()) == 1
    assert all((sync / f"{role}.locking").exists() for role in workers)  # both really contended
    holder = str(client.get_model_version_by_alias(name, "champion").version)
    assert holder == "2"  # the winner's version; the loser registered nothing
    assert client.get_model_version(name, holder).tags["mlops_gate.verdict"] == "pass"
    assert sorted(str(v.version) for v in client.search_model_versions(f"name='{name}'")) == [
        "1",
        "2",
    ]
    moves = commands.history(champion.policy).moves
    assert [(m.from_version, m.to_version, m.state) for m in moves] == [
        (None, "1", "done"),
        ("1", "2", "done"),
    ]
    assert client.search_registered_models(f"name LIKE '{LOCK_PREFIX}{name}%'") == []


def test_server_killed_mid_promotion_then_rerun_completes(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    project = make_project(tmp_path, f"fault-{uuid.uuid4().hex[:8]}")
    evidence = write_evidence_for(project, baseline_version=None)

    def kill_at(step: str) -> Callable[[str], None]:
        def hook(seen: str) -> None:
            if seen == step:
                registry_env.kill()

        return hook

    # Killed between registering the version and moving the alias:
    with pytest.raises(RegistryError, match=LOST):
        promote_command(
            load_policy(project.policy), evidence, timeout=30, after_step=kill_at("registered")
        )
    registry_env.start()
    version = client.get_model_version(project.name, "1")
    assert set(version.tags) >= VERSION_TAGS  # registered, never without its tags
    assert dict(client.get_registered_model(project.name).aliases) == {}  # alias unchanged

    # Killed right after the alias moved, before the history says so:
    with pytest.raises(RegistryError, match=LOST):
        promote_command(
            load_policy(project.policy), evidence, timeout=30, after_step=kill_at("aliased")
        )
    registry_env.start()
    holder = client.get_model_version_by_alias(project.name, "champion")
    assert str(holder.version) == "1"  # fully moved
    assert [m.state for m in commands.history(project.policy).moves] == ["pending"]

    rerun = commands.promote(project.policy, evidence, timeout=60)

    assert (rerun.action, rerun.version) == ("already promoted", "1")
    assert [(m.to_version, m.state) for m in commands.history(project.policy).moves] == [
        ("1", "done")
    ]
    assert [str(v.version) for v in client.search_model_versions(f"name='{project.name}'")] == ["1"]


def _spawn_worker(
    policy: Path, evidence: Path, sync: Path, role: str, other: str
) -> subprocess.Popen[str]:
    module = "tests.integration.registry.race_worker"
    return subprocess.Popen(
        [sys.executable, "-m", module, str(policy), str(evidence), str(sync), role, other],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_file(path: Path, process: subprocess.Popen[str]) -> None:
    end = time.monotonic() + 120
    while not path.exists():
        if process.poll() is not None or time.monotonic() > end:
            raise AssertionError(f"worker did not get ready: {process.communicate(timeout=10)}")
        time.sleep(0.05)
