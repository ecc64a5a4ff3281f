"""The policy file is read once per command invocation, `run` included (issue 12, item 1).

Every stage gets the one `LoadedPolicy`; none re-opens the file. The CLI runs in a subprocess
whose `io.open` counts the opens of the policy file (`Path.open`, `read_bytes` and `open()` all
go through it), exactly as a user runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import basic_project

pytestmark = [pytest.mark.integration, pytest.mark.slow]

COUNTING_CLI = r"""
import atexit, io, os, sys
target = os.path.realpath(sys.argv[1])
real_open = io.open
reads = []

def counting_open(file, mode="r", *args, **kwargs):
    if isinstance(file, (str, os.PathLike)) and os.path.realpath(file) == target:
        reads.append(mode)
    return real_open(file, mode, *args, **kwargs)

io.open = counting_open
import builtins
builtins.open = counting_open
atexit.register(lambda: sys.stderr.write(f"POLICY-OPENS {len(reads)}\n"))
sys.argv = ["mlops-gate", *sys.argv[2:]]
from mlops_gate.cli import main
main()
"""


def _opens(policy: Path, *args: str) -> tuple[int, subprocess.CompletedProcess[str]]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("MLFLOW_TRACKING_URI", None)  # the embedded registry under .mlops-gate/
    done = subprocess.run(
        [sys.executable, "-c", COUNTING_CLI, str(policy), *args],
        cwd=policy.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    found = re.search(r"POLICY-OPENS (\d+)", done.stderr)
    assert found, done.stderr[-3000:]
    return int(found.group(1)), done


def _registry_project(tmp_path: Path) -> Path:
    gates = [{"type": "metric", "metric": "accuracy", "min": 0.6}, {"type": "size", "max_mb": 5}]
    policy = basic_project(
        tmp_path,
        gates,
        n=400,
        name="read-once",
        promote={"model_name": "read-once", "alias": "champion"},
    )
    return policy


def test_check_that_records_a_run_reads_the_policy_once(tmp_path: Path) -> None:
    policy = _registry_project(tmp_path)
    opens, done = _opens(policy, "check", str(policy), "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "recorded run" in done.stdout
    )  # the recording stage ran (it used to load the policy again)
    assert opens == 1


def test_run_reads_the_policy_once_through_every_stage(tmp_path: Path) -> None:
    policy = _registry_project(tmp_path)
    shutil.move(tmp_path / "model.onnx", tmp_path / "source.onnx")
    text = policy.read_text(encoding="utf-8").replace("path: model.onnx", "path: dist/model.onnx")
    policy.write_text(text + "artifacts:\n  source: {path: source.onnx}\n", encoding="utf-8")

    opens, done = _opens(policy, "run", str(policy))

    assert done.returncode == 0, done.stdout + done.stderr
    for stage in ("build: done", "check: done", "promote: done"):
        assert stage in done.stderr
    assert opens == 1
