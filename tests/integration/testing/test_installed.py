"""With the entry points installed: the plugin loads once, and `mlops-gate check` runs a pytest gate.

Until pyproject.toml declares them, a dist-info folder on PYTHONPATH declares the same entry points
(`pytest11`: the plugin; `mlops_gate.gates`: the `pytest` type), exactly as an install does.
Once they are installed for real, the folder adds only what is still missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from mlops_gate.gates.registry import BUILTIN_GATES
from mlops_gate.pytest_plugin import MODULE
from tests.integration.testing.projects import write_project
from tests.support import REPO, run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def installed(root: Path) -> dict[str, str]:
    """An environment whose PYTHONPATH holds a dist-info declaring the missing entry points."""
    dist = root / "site" / "mlops_gate_entry_points-0.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: mlops-gate-entry-points\nVersion: 0.0\n"
    )
    sections = []
    if not any(ep.value == MODULE for ep in entry_points(group="pytest11")):
        sections.append(f"[pytest11]\nmlops_gate = {MODULE}\n")
    if "pytest" not in BUILTIN_GATES:
        sections.append("[mlops_gate.gates]\npytest = mlops_gate.gates.pytest_gate\n")
    (dist / "entry_points.txt").write_text("\n".join(sections), encoding="utf-8")
    return {"PYTHONPATH": str(dist.parent)}


def test_plugin_loads_once_through_its_entry_point(tmp_path: Path) -> None:
    policy = write_project(
        tmp_path / "p", gates=[{"type": "size", "max_mb": 100}], suite_gate=False
    )
    probe = (
        "import sys, pytest\n"
        "from mlops_gate.gates.pytest_run import plugin_args\n"
        "print('ARGS', plugin_args())\n"
        f"sys.exit(pytest.main([*plugin_args(), '--mlops-gate', {str(policy)!r}, '--co', '-q']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={**os.environ, **installed(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ARGS []" in done.stdout  # the entry point loads it: no -p, no double registration
    assert done.stdout.count("mlops-gate.yaml::size") == 1


def test_check_runs_a_pytest_gate_and_reports_how_to_reproduce(tmp_path: Path) -> None:
    gate = {
        "type": "pytest",
        "path": str(REPO / "checks"),
        "select": "test_outputs",
        "seed": 11,
        "max_examples": 20,
    }
    policy = write_project(tmp_path / "p", "nan_for_rare_color", gates=[gate], suite_gate=False)
    done = run_cli(
        "check", str(policy), "--json", "out.json", "--markdown", "report.md",
        cwd=tmp_path, env=installed(tmp_path),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    (result,) = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["gates"]
    assert result["verdict"] == "fail"
    assert result["details"]["seed"] == 11
    (failed,) = [t for t in result["details"]["tests"] if t["outcome"] == "failed"]
    assert failed["nodeid"] == "checks/test_outputs.py::test_outputs_are_finite_and_well_formed"
    assert "'color': 'blue'" in failed["message"]
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "seed 11; reproduce: python \\-m pytest" in report  # Markdown-escaped
    assert (
        "\\-\\-mlops\\-gate\\-seed=11 \\-\\-mlops\\-gate\\-no\\-shrink \\-k test\\_outputs"
        in report
    )
    assert (tmp_path / ".mlops-gate" / "hypothesis").is_dir()
