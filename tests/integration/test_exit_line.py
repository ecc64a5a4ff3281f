"""No line says `exit 0` for a command that exits otherwise (issue 12, item 3).

The final line of `check` is printed after recording and posting, with the exit code the command
then decides (`commands.outcome`); a registry that cannot record the run of a passing check
makes it exit 2, and every line says 2.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support import basic_project, run_cli

pytestmark = pytest.mark.integration


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again on exit: connections are refused


@pytest.mark.parametrize("quiet", [False, True])
def test_a_pass_that_cannot_be_recorded_says_exit_2_everywhere(tmp_path: Path, quiet: bool) -> None:
    policy = basic_project(
        tmp_path,
        [{"type": "size", "max_mb": 5}],
        n=300,
        promote={"model_name": "unrecorded", "alias": "champion"},
    )
    env = {"MLFLOW_TRACKING_URI": f"http://127.0.0.1:{_closed_port()}"}
    # --record required: by default (auto) a run that cannot be recorded is a warning (issue 14).
    args = ["--timeout", "5", "check", str(policy), "--record", "required", *(["-q"] * quiet)]
    done = run_cli(*args, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "(exit 0)" not in done.stdout + done.stderr
    assert "(exit 2)" in done.stdout.strip().splitlines()[-1]
    assert "error:" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
