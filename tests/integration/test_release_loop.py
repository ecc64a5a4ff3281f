"""The release loop a new user runs, twice in a row and more, through `python -m mlops_gate run`
against a real `mlflow server` (issue 14, items 1-3): the champion read from the registry is the
baseline, `promote` moves it, the local canary moves `production`.

- release 1 (nothing registered yet): a first deploy, smoke-tested, then 100%;
- release 2 (a new challenger): checked against champion 1, canary against production 1;
- release 3 (a worse challenger): stopped at the gate, nothing moved;
- a challenger that passes offline but fails its canary: the champion is given back;
- a champion moved by someone else while the canary runs: exit 2, and `deploy --status` and
  `history` agree on what happened.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.integration.deploy.models import write_model
from tests.integration.mlflow_server import MlflowServer
from tests.support import REPO, basic_project, binary_frame, run_cli, train_onnx

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CANARY = {
    "target": "local",
    "steps": [50, 100],
    "step_duration": 0.5,
    "min_requests": 40,
    "analysis": {"max_error_rate": 0.01, "max_p95_ms": 2000},
}
GATES = [{"type": "metric", "metric": "accuracy", "min": 0.7, "max_drop": 0.02}]


def _project(tmp_path: Path, canary: dict[str, Any] = CANARY) -> tuple[Path, str]:
    """The layout docs/registry.md shows: the champion in the registry is the baseline."""
    name = f"loop-{uuid.uuid4().hex[:8]}"
    policy = basic_project(
        tmp_path,
        GATES,
        n=600,
        name=name,
        baseline={"path": f"models:/{name}@champion"},
        promote={"model_name": name, "alias": "champion"},
        deploy={"canary": canary},
    )
    return policy, name


def _challenger(tmp_path: Path, *, worse: bool = False) -> None:
    """A new model.onnx: trained on more rows (as good or better), or blind to f1 (worse)."""
    frame = binary_frame(2000, seed=5)
    if worse:
        frame["f1"] = 0.0
    train_onnx(frame, tmp_path / "model.onnx")


def _alias(uri: str, name: str, alias: str) -> str | None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        return str(MlflowClient(tracking_uri=uri).get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def _run(policy: Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = run_cli("run", str(policy), cwd=cwd, env=env)
    print(f"$ mlops-gate run\n{done.stdout}{done.stderr}exit {done.returncode}\n")  # -s: the log
    return done


def _stage(done: subprocess.CompletedProcess[str], stage: str, status: str) -> None:
    assert re.search(rf"^{stage} +{status}\b", done.stdout, re.MULTILINE), done.stdout


def _baseline(tmp_path: Path) -> dict[str, Any]:
    evidence = json.loads((tmp_path / ".mlops-gate" / "evidence.json").read_text())
    baseline: dict[str, Any] = evidence["baseline"]
    return baseline


def _moves(policy: Path, cwd: Path, env: dict[str, str], alias: str) -> list[str]:
    shown = run_cli("history", str(policy), "--alias", alias, cwd=cwd, env=env)
    assert shown.returncode == 0, shown.stderr
    return [line.split(" by ")[0].split(" ", 2)[2] for line in shown.stdout.splitlines()[1:]]


def _status(policy: Path, cwd: Path, env: dict[str, str]) -> str:
    shown = run_cli("deploy", str(policy), "--status", cwd=cwd, env=env)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def test_three_releases_in_a_row(registry_env: MlflowServer, tmp_path: Path) -> None:
    policy, name = _project(tmp_path)
    env = {"MLFLOW_TRACKING_URI": registry_env.uri}
    uri = registry_env.uri

    first = _run(policy, tmp_path, env)
    assert first.returncode == 0, first.stdout + first.stderr
    _stage(first, "promote", "done")
    _stage(first, "deploy", "done")
    assert "first deploy: nothing to compare with; smoke-tested, then 100%" in first.stdout
    assert (_alias(uri, name, "champion"), _alias(uri, name, "production")) == ("1", "1")
    assert _baseline(tmp_path)["version"] is None
    assert "local canary: promoted" in _status(policy, tmp_path, env)

    _challenger(tmp_path)
    second = _run(policy, tmp_path, env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"promoted: {name}@champion -> version 2 (was 1)" in second.stdout
    assert "canary promoted: the canary held every step (50%, 100%)" in second.stdout
    assert f"against stable models:/{name}/1:" in second.stderr  # production before, not v2
    assert (_alias(uri, name, "champion"), _alias(uri, name, "production")) == ("2", "2")
    assert _baseline(tmp_path)["version"] == "1"  # the champion the check compared with
    status = _status(policy, tmp_path, env)
    assert "local canary: promoted" in status
    assert f"promoted: {name}@production -> version 2 (was 1)" in status
    assert _moves(policy, tmp_path, env, "production") == ["promote - -> 1", "promote 1 -> 2"]
    assert _moves(policy, tmp_path, env, "champion") == ["promote - -> 1", "promote 1 -> 2"]

    _challenger(tmp_path, worse=True)
    third = _run(policy, tmp_path, env)
    assert third.returncode == 1, third.stdout + third.stderr
    _stage(third, "check", "failed")
    assert "accuracy drop" in third.stdout
    for stage in ("image", "promote", "deploy"):
        _stage(third, stage, "not run")
    assert _baseline(tmp_path)["version"] == "2"
    assert (_alias(uri, name, "champion"), _alias(uri, name, "production")) == ("2", "2")
    assert len(_moves(policy, tmp_path, env, "production")) == 2


def test_rollback_of_the_serving_alias(registry_env: MlflowServer, tmp_path: Path) -> None:
    policy, name = _project(tmp_path)
    env = {"MLFLOW_TRACKING_URI": registry_env.uri}
    assert _run(policy, tmp_path, env).returncode == 0
    _challenger(tmp_path)
    assert _run(policy, tmp_path, env).returncode == 0

    refused = run_cli("promote", str(policy), "--alias", "production", cwd=tmp_path, env=env)
    assert refused.returncode == 2
    assert refused.stderr == (
        "error: --alias is for --rollback: promote moves promote.alias, deploy moves its alias\n"
    )
    back = run_cli(
        "promote", "--rollback", "--alias", "production", str(policy), cwd=tmp_path, env=env
    )
    assert back.returncode == 0, back.stderr
    assert f"rolled back: {name}@production -> version 1 (was 2)" in back.stdout
    assert _alias(registry_env.uri, name, "production") == "1"
    assert _alias(registry_env.uri, name, "champion") == "2"  # only the alias asked for
    assert _moves(policy, tmp_path, env, "production")[-1] == "rollback 2 -> 1"


def test_a_failed_canary_gives_the_champion_back(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    """A challenger that passes every offline gate (the eval rows never reach its fault) but
    answers 500 on live inputs with f0 > 10: rolled back, production unchanged, and the champion
    back on the version that held it before this promotion."""
    rows = [{"f0": 20.0 if i % 10 == 0 else 0.1 * (i % 7), "f1": 0.2, "f2": -0.1, "f3": 0.0}
            for i in range(400)]  # fmt: skip
    (tmp_path / "traffic.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    policy, name = _project(tmp_path, {**CANARY, "requests": "traffic.jsonl", "min_requests": 60})
    env = {"MLFLOW_TRACKING_URI": registry_env.uri}
    assert _run(policy, tmp_path, env).returncode == 0

    write_model(tmp_path / "model.onnx", seed=1, fault="erroring", threshold=10.0)
    failed = _run(policy, tmp_path, env)

    assert failed.returncode == 1, failed.stdout + failed.stderr
    _stage(failed, "promote", "done")
    _stage(failed, "deploy", "failed")
    assert "canary rolled_back" in failed.stdout
    assert _alias(registry_env.uri, name, "champion") == "1"  # was 2, the rejected challenger
    assert _alias(registry_env.uri, name, "production") == "1"
    assert _moves(policy, tmp_path, env, "champion") == [
        "promote - -> 1",
        "promote 1 -> 2",
        "rollback 2 -> 1",
    ]
    status = _status(policy, tmp_path, env)
    assert "local canary: rolled_back" in status
    assert f"rolled back: {name}@champion -> version 1 (was 2)" in status


def test_a_canary_that_cannot_start_gives_the_champion_back(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    """The stable model's server never gets ready (its file is broken by the time the canary
    starts): the release never took traffic, so `run` exits 2 and the champion goes back to the
    version that held it before this promotion, as for any canary that does not reach 100%
    (it stayed on the unshipped challenger, and the next check compared against it)."""
    policy, name = _project(tmp_path, {**CANARY, "stable": "stable.onnx"})
    train_onnx(
        binary_frame(600, seed=7), tmp_path / "stable.onnx"
    )  # serving today, not the candidate
    env = {"MLFLOW_TRACKING_URI": registry_env.uri}
    assert _run(policy, tmp_path, env).returncode == 0

    _challenger(tmp_path)
    (tmp_path / "stable.onnx").write_bytes(b"not an ONNX model")
    failed = _run(policy, tmp_path, env)

    assert failed.returncode == 2, failed.stdout + failed.stderr
    _stage(failed, "promote", "done")
    # At once, not after the 60 s start timeout: the server says it will never be ready.
    assert "canary error: the canary did not start: stable server failed to load its model: " in (
        failed.stdout
    )
    assert "Traceback" not in failed.stdout + failed.stderr
    assert _alias(registry_env.uri, name, "champion") == "1"  # was 2, never deployed
    assert _alias(registry_env.uri, name, "production") == "1"
    assert _moves(policy, tmp_path, env, "champion")[-1] == "rollback 2 -> 1"
    assert "local canary: error" in _status(policy, tmp_path, env)


def test_a_deploy_refused_before_its_canary_gives_the_champion_back(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    """`deploy.canary.stable` names the candidate's own file: the deploy is refused before any
    canary, and the promotion `run` just made is given back (the champion stayed on it)."""
    policy, name = _project(tmp_path, {**CANARY, "stable": "model.onnx"})
    refused = _run(policy, tmp_path, {"MLFLOW_TRACKING_URI": registry_env.uri})

    assert refused.returncode == 2, refused.stdout + refused.stderr
    _stage(refused, "promote", "done")
    assert "the stable model is the candidate itself" in refused.stdout
    assert f"rolled back: {name}@champion -> no version (was 1)" in refused.stdout
    assert _alias(registry_env.uri, name, "champion") is None  # a first release: nothing before
    assert _alias(registry_env.uri, name, "production") is None


def test_champion_moved_during_the_canary_is_exit_2_and_status_agrees(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    """Someone gives the champion back to version 1 while the canary of version 2 runs: the
    canary holds every step, but production does not move (exit 2); `deploy --status` says so,
    as `history --alias production` does."""
    policy, name = _project(tmp_path, {**CANARY, "step_duration": 3.0})
    env = {"MLFLOW_TRACKING_URI": registry_env.uri}
    assert _run(policy, tmp_path, env).returncode == 0
    _challenger(tmp_path)
    assert run_cli("check", str(policy), "-q", cwd=tmp_path, env=env).returncode == 0
    assert run_cli("promote", str(policy), cwd=tmp_path, env=env).returncode == 0

    deploy = subprocess.Popen(
        [sys.executable, "-m", "mlops_gate", "deploy", str(policy)],
        cwd=tmp_path,
        env={**_environ(), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_canary(tmp_path / ".mlops-gate" / "canary" / "canary.json", deploy)
        from mlflow import MlflowClient

        MlflowClient(tracking_uri=registry_env.uri).set_registered_model_alias(
            name, "champion", "1"
        )
        out, err = deploy.communicate(timeout=120)
    finally:
        if deploy.poll() is None:
            deploy.kill()
            deploy.wait(timeout=30)

    assert deploy.returncode == 2, out + err
    assert f"{name}@production did not move: {name}@champion moved during the canary" in out
    assert _alias(registry_env.uri, name, "production") == "1"
    status = _status(policy, tmp_path, env)
    assert status.startswith("local canary: error;"), status
    assert f"{name}@production did not move" in status
    assert _moves(policy, tmp_path, env, "production") == ["promote - -> 1"]
    record = json.loads((tmp_path / ".mlops-gate" / "deploy.json").read_text())
    assert (record["status"], record["exit_code"]) == ("error", 2)


def _environ() -> dict[str, str]:
    import os

    return {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}


def _wait_for_canary(state_file: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            state = json.loads(state_file.read_text())
        except (OSError, ValueError):
            state = {}
        if state.get("status") == "running" and state.get("step") is not None:
            return
        time.sleep(0.1)
    raise AssertionError(f"the canary never ran (exit {process.poll()})")
