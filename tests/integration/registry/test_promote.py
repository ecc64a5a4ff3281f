"""check → promote → history → rollback against a real MLflow server (issue #4, items 2-4)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from mlflow import MlflowClient

from mlops_gate import api as commands
from mlops_gate.fsutil import sha256_file
from mlops_gate.registry.errors import BaselineMoved, PromotionRefused
from mlops_gate.registry.mlflow_client import RegistrySettings, open_registry
from mlops_gate.registry.uris import resolve
from mlops_gate.results import Verdict
from tests.integration.mlflow_server import MlflowServer
from tests.unit.registry.support import make_project, write_evidence_for

pytestmark = pytest.mark.integration


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def versions_of(client: MlflowClient, name: str) -> list[str]:
    return sorted(str(v.version) for v in client.search_model_versions(f"name='{name}'"))


def test_promote_history_rollback_round_trip(registry_env: MlflowServer, tmp_path: Path) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    name = unique("round-trip")
    first = make_project(tmp_path / "first", name, seed=1)
    evidence = write_evidence_for(first, baseline_version=None)  # first run: no champion yet

    done = commands.promote(first.policy, evidence, timeout=60)

    assert (done.action, done.version, done.previous) == ("promoted", "1", None)
    holder = client.get_model_version_by_alias(name, "champion")
    assert str(holder.version) == "1"
    assert holder.tags["mlops_gate.verdict"] == "pass"
    assert holder.tags["mlops_gate.evidence_sha256"] == sha256_file(evidence)
    assert holder.tags["mlops_gate.model_sha256"] == sha256_file(first.model)
    assert holder.tags["mlops_gate.policy"] == name
    assert "mlops_gate.git_sha" in holder.tags
    with open_registry(
        RegistrySettings(registry_env.uri)
    ) as registry:  # the registered bytes are the gated bytes
        pulled = resolve(registry, f"models:/{name}@champion", tmp_path / "cache")
    assert pulled.version == "1"
    assert pulled.path is not None
    assert sha256_file(pulled.path) == sha256_file(first.model)

    second = make_project(tmp_path / "second", name, seed=2)
    promoted = commands.promote(
        second.policy, write_evidence_for(second, baseline_version="1"), timeout=60
    )
    assert (promoted.version, promoted.previous) == ("2", "1")

    view = commands.history(second.policy, timeout=60)
    assert view.holder == "2"
    assert [(m.action, m.from_version, m.to_version, m.state) for m in view.moves] == [
        ("promote", None, "1", "done"),
        ("promote", "1", "2", "done"),
    ]
    assert view.moves[1].evidence_sha256 == sha256_file(
        second.root / ".mlops-gate" / "evidence.json"
    )

    back = commands.rollback(second.policy, timeout=60, reason="canary errors")
    assert (back.action, back.version, back.previous) == ("rolled back", "1", "2")
    assert str(client.get_model_version_by_alias(name, "champion").version) == "1"
    last = commands.history(second.policy, timeout=60).moves[-1]
    assert (last.action, last.from_version, last.to_version, last.why) == (
        "rollback",
        "2",
        "1",
        "canary errors",
    )
    assert any("rollback 2 -> 1" in line for line in commands.history(second.policy).lines())

    with pytest.raises(PromotionRefused, match="no earlier holder recorded before version 1"):
        commands.rollback(second.policy, timeout=60)


def test_promote_twice_is_idempotent(registry_env: MlflowServer, tmp_path: Path) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    project = make_project(tmp_path, unique("idempotent"))
    evidence = write_evidence_for(project, baseline_version=None)

    first = commands.promote(project.policy, evidence, timeout=60)
    again = commands.promote(project.policy, evidence, timeout=60)

    assert first.action == "promoted"
    assert (again.action, again.version) == ("already promoted", first.version)
    assert versions_of(client, project.name) == ["1"]
    assert len(commands.history(project.policy).moves) == 1


def test_refusals_register_nothing(registry_env: MlflowServer, tmp_path: Path) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    project = make_project(tmp_path, unique("refused"))

    failing = write_evidence_for(project, verdict=Verdict.FAIL, baseline_version=None)
    with pytest.raises(PromotionRefused, match="evidence verdict is 'fail', not 'pass'"):
        commands.promote(project.policy, failing, timeout=60)

    evidence = write_evidence_for(project, baseline_version=None)
    project.eval_data.write_bytes(project.eval_data.read_bytes() + b"\n")
    with pytest.raises(PromotionRefused, match=r"data.eval changed since the check"):
        commands.promote(project.policy, evidence, timeout=60)

    evidence = write_evidence_for(project, baseline_version=None)
    project.policy.write_text(project.policy.read_text() + "# edited\n")
    with pytest.raises(PromotionRefused, match="policy changed since the check"):
        commands.promote(project.policy, evidence, timeout=60)

    assert versions_of(client, project.name) == []


def test_a_model_changed_after_check_is_refused(registry_env: MlflowServer, tmp_path: Path) -> None:
    project = make_project(tmp_path, unique("swapped"), seed=1)
    evidence = write_evidence_for(project, baseline_version=None)
    make_project(tmp_path / "other", project.name, seed=5).model.replace(project.model)

    with pytest.raises(
        PromotionRefused, match=r"model differs from the one checked .*re-run check"
    ):
        commands.promote(project.policy, evidence, timeout=60)


def test_baseline_moved_since_check_is_refused(registry_env: MlflowServer, tmp_path: Path) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    name = unique("moved")
    champion = make_project(tmp_path / "champion", name, seed=1)
    commands.promote(
        champion.policy, write_evidence_for(champion, baseline_version=None), timeout=60
    )
    late = make_project(tmp_path / "late", name, seed=2)
    stale = write_evidence_for(late, baseline_version=None)  # checked before the champion existed

    with pytest.raises(
        BaselineMoved,
        match=r"^baseline moved; re-run check .*was version unset at check time, is 1",
    ):
        commands.promote(late.policy, stale, timeout=60)

    assert str(client.get_model_version_by_alias(name, "champion").version) == "1"
    assert versions_of(client, name) == ["1"]


def test_stage_with_archive_existing_versions(registry_env: MlflowServer, tmp_path: Path) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    name = unique("staged")
    promote = {"model_name": name, "alias": "champion", "stage": "Production"}
    first = make_project(tmp_path / "a", name, seed=1, promote=promote)
    commands.promote(first.policy, write_evidence_for(first, baseline_version=None), timeout=60)
    second = make_project(tmp_path / "b", name, seed=2, promote=promote)
    commands.promote(second.policy, write_evidence_for(second, baseline_version="1"), timeout=60)

    stages = {
        str(v.version): v.current_stage for v in client.search_model_versions(f"name='{name}'")
    }
    assert stages == {"1": "Archived", "2": "Production"}


def test_stage_only_pointer(registry_env: MlflowServer, tmp_path: Path) -> None:
    name = unique("stage-only")
    promote = {"model_name": name, "alias": None, "stage": "Staging"}
    first = make_project(tmp_path / "a", name, seed=1, promote=promote, baseline=False)
    commands.promote(first.policy, write_evidence_for(first), timeout=60)
    second = make_project(tmp_path / "b", name, seed=2, promote=promote, baseline=False)
    done = commands.promote(second.policy, write_evidence_for(second), timeout=60)

    assert (done.label, done.version, done.previous) == (f"{name} (stage Staging)", "2", "1")
    assert commands.history(second.policy).holder == "2"
    assert commands.rollback(second.policy).version == "1"
    assert commands.history(second.policy).holder == "1"
