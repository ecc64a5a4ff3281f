"""`--record auto|required|off`, as the action passes it to `check` and `run` (issue 14, item 4).

Recording the run is never what turns a decided verdict into exit 2 unless the user asked for it
to be required: `auto` (the default) says once on stderr that it did not record, and the exit
code, the final line and the Actions outputs are the verdict's; `required` makes such a pass
exit 2 everywhere; `off` never tries. Real processes, a real closed port, a real MLflow server.
"""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest

from mlops_gate.commands.recording import NO_REGISTRY
from tests.actions_files import read_outputs
from tests.integration.mlflow_server import MlflowServer
from tests.support import basic_project, run_cli

pytestmark = pytest.mark.integration


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again on exit: connections are refused


def project(tmp_path: Path, **policy: object) -> Path:
    return basic_project(tmp_path, [{"type": "size", "max_mb": 5}], n=300, **policy)


def in_actions(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Actions' file commands, and a tracking server that refuses every connection."""
    (tmp_path / "output.txt").touch()
    (tmp_path / "summary.md").touch()
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "MLFLOW_TRACKING_URI": f"http://127.0.0.1:{closed_port()}",
        **extra,
    }


def record_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "record" in line]


@pytest.mark.parametrize("quiet", [False, True])
def test_auto_exits_with_the_verdict_and_says_once_that_it_did_not_record(
    tmp_path: Path, quiet: bool
) -> None:
    policy = project(tmp_path, promote={"model_name": "unrecorded", "alias": "champion"})
    args = ["--timeout", "5", "check", str(policy), *(["-q"] * quiet)]
    done = run_cli(*args, cwd=tmp_path, env=in_actions(tmp_path), timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    (said,) = record_lines(done.stderr)
    assert said.startswith("warning: did not record the run (--record auto): registry http://")
    assert "cannot connect" in said
    assert "(exit 0)" in done.stdout.strip().splitlines()[-1]
    assert read_outputs(tmp_path / "output.txt")["exit-code"] == "0"
    assert "Traceback" not in done.stdout + done.stderr


def test_required_makes_a_pass_that_was_not_recorded_exit_2_everywhere(tmp_path: Path) -> None:
    policy = project(tmp_path, promote={"model_name": "unrecorded", "alias": "champion"})
    args = ["--timeout", "5", "check", str(policy), "--record", "required"]
    done = run_cli(*args, cwd=tmp_path, env=in_actions(tmp_path), timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    (said,) = record_lines(done.stderr)
    assert said.startswith("error: could not record the run (--record required): registry ")
    assert "(exit 2)" in done.stdout.strip().splitlines()[-1]
    outputs = read_outputs(tmp_path / "output.txt")
    assert (outputs["verdict"], outputs["exit-code"]) == ("pass", "2")


def test_required_on_a_policy_without_a_registry_exits_2_and_says_why(tmp_path: Path) -> None:
    done = run_cli("check", str(project(tmp_path)), "--record", "required", cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert record_lines(done.stderr) == [
        f"error: could not record the run (--record required): {NO_REGISTRY}"
    ]


def test_off_never_records_and_says_nothing_about_it(tmp_path: Path) -> None:
    policy = project(tmp_path, promote={"model_name": "unrecorded", "alias": "champion"})
    done = run_cli("check", str(policy), "--record", "off", cwd=tmp_path, env=in_actions(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert record_lines(done.stdout + done.stderr) == []
    assert read_outputs(tmp_path / "output.txt")["exit-code"] == "0"


def test_a_bad_record_mode_is_a_usage_error() -> None:
    done = run_cli("check", "--record", "sometimes", "mlops-gate.yaml")
    assert done.returncode == 2
    assert "'sometimes' is not one of 'auto', 'required', 'off'" in done.stderr


@pytest.mark.slow
def test_run_passes_the_record_mode_to_its_check(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    name = f"record-{uuid.uuid4().hex[:8]}"
    policy = project(tmp_path, name=name, promote={"model_name": name, "alias": "champion"})
    env = {"MLFLOW_TRACKING_URI": registry_env.uri}
    quiet = run_cli("run", str(policy), "--record", "off", cwd=tmp_path, env=env)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    check_line = next(line for line in quiet.stderr.splitlines() if line.startswith("check: "))
    assert check_line.startswith("check: done: every gate passed")
    assert "recorded run" not in check_line
    recorded = run_cli("run", str(policy), cwd=tmp_path, env=env)  # auto
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert "recorded run" in next(
        line for line in recorded.stderr.splitlines() if line.startswith("check: ")
    )
