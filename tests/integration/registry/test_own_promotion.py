"""The champion the check compared with, moved by this release's own promotion, is not "baseline
moved"; a move by anyone else still is. A release that does not ship gives its promotion back
(issue 14, items 1 and 3), against a real `mlflow server`.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from mlflow import MlflowClient

from mlops_gate import api as commands
from mlops_gate.registry.errors import BaselineMoved
from mlops_gate.registry.history import read_moves
from mlops_gate.registry.mlflow_client import RegistrySettings, open_registry
from mlops_gate.registry.pointer import Pointer
from mlops_gate.registry.promote import check_baseline, promote_verified
from mlops_gate.registry.rollback import give_back
from tests.integration.mlflow_server import MlflowServer
from tests.unit.registry.support import Project, make_project, verify_for, write_evidence_for

pytestmark = pytest.mark.integration


def _released(tmp_path: Path) -> tuple[Project, Project, Path]:
    """Version 1 is the champion; version 2 was checked against it and promoted."""
    name = f"own-{uuid.uuid4().hex[:8]}"
    first = make_project(tmp_path / "first", name, seed=1)
    commands.promote(first.policy, write_evidence_for(first, baseline_version=None), timeout=60)
    second = make_project(tmp_path / "second", name, seed=2)
    evidence = write_evidence_for(second, baseline_version="1")
    assert commands.promote(second.policy, evidence, timeout=60).version == "2"
    return first, second, evidence


def test_own_promotion_is_not_baseline_moved(registry_env: MlflowServer, tmp_path: Path) -> None:
    _, second, evidence = _released(tmp_path)
    verified = verify_for(evidence, second.policy, second.model)
    production = Pointer(second.name, "production")

    with open_registry(RegistrySettings(registry_env.uri)) as registry:
        check_baseline(registry, verified)  # champion 1 -> 2 is this evidence's own promotion
        moved = promote_verified(registry, production, verified, reason="canary held")

    assert (moved.action, moved.version) == ("promoted", "2")
    client = MlflowClient(registry_env.uri, registry_env.uri)
    assert str(client.get_model_version_by_alias(second.name, "production").version) == "2"


def test_another_promotion_after_ours_is_baseline_moved(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    _, second, evidence = _released(tmp_path)
    verified = verify_for(evidence, second.policy, second.model)
    third = make_project(tmp_path / "third", second.name, seed=3)
    commands.promote(third.policy, write_evidence_for(third, baseline_version="2"), timeout=60)

    with (
        open_registry(RegistrySettings(registry_env.uri)) as registry,
        pytest.raises(BaselineMoved, match=r"was version 1 at check time, is 3 now"),
    ):
        check_baseline(registry, verified)


def test_a_move_outside_mlops_gate_after_ours_is_baseline_moved(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    _, second, evidence = _released(tmp_path)
    verified = verify_for(evidence, second.policy, second.model)
    client = MlflowClient(registry_env.uri, registry_env.uri)
    one = client.get_model_version(second.name, "1")
    client.create_model_version(second.name, one.source, run_id=one.run_id)  # 3, in the UI, say
    client.set_registered_model_alias(second.name, "champion", "3")

    with (
        open_registry(RegistrySettings(registry_env.uri)) as registry,
        pytest.raises(BaselineMoved, match=r"was version 1 at check time, is 3 now"),
    ):
        check_baseline(registry, verified)


def test_give_back_restores_the_previous_holder_only_while_ours(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    _, second, _ = _released(tmp_path)
    champion = Pointer(second.name, "champion")

    with open_registry(RegistrySettings(registry_env.uri)) as registry:
        assert give_back(registry, champion, "1", "not the holder") is None
        back = give_back(registry, champion, "2", "canary failed")
        moves = read_moves(registry, champion)

    assert back is not None
    assert back.summary().startswith(f"rolled back: {second.name}@champion -> version 1 (was 2)")
    last = moves[-1]
    assert (last.action, last.from_version, last.to_version, last.state) == (
        "rollback",
        "2",
        "1",
        "done",
    )
    assert "canary failed" in last.why


def test_give_back_of_a_first_promotion_leaves_no_holder(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    name = f"first-{uuid.uuid4().hex[:8]}"
    first = make_project(tmp_path, name, seed=1)
    commands.promote(first.policy, write_evidence_for(first, baseline_version=None), timeout=60)
    champion = Pointer(name, "champion")

    with open_registry(RegistrySettings(registry_env.uri)) as registry:
        back = give_back(registry, champion, "1", "smoke test failed")
        assert champion.holder(registry) is None

    assert back is not None
    assert back.summary().startswith(f"rolled back: {name}@champion -> no version (was 1)")
    view = commands.history(first.policy, timeout=60)
    assert view.holder is None
    assert view.lines()[-1].split(" by ")[0].endswith("rollback 1 -> -")
