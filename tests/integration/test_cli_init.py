"""`mlops-gate init --github` through the real CLI: the starter policy and the sample workflow."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from tests.support import run_cli

pytestmark = pytest.mark.integration

WORKFLOW = Path(".github") / "workflows" / "model-gate.yml"


def _template(name: str) -> str:
    return resources.files("mlops_gate").joinpath(f"templates/{name}").read_text("utf-8")


def test_writes_the_policy_and_the_workflow(tmp_path: Path) -> None:
    done = run_cli("init", "--github", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "wrote mlops-gate.yaml: edit the paths, then run `mlops-gate validate mlops-gate.yaml`",
        f"wrote {WORKFLOW}: replace <owner> in its `uses:` line, then commit it",
    ]
    assert (tmp_path / "mlops-gate.yaml").read_text("utf-8") == _template("mlops-gate.yaml")
    assert (tmp_path / WORKFLOW).read_text("utf-8") == _template("model-gate.yml")
    validated = run_cli("validate", "--offline", cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr


def test_without_github_writes_no_workflow(tmp_path: Path) -> None:
    assert run_cli("init", cwd=tmp_path).returncode == 0
    assert not (tmp_path / ".github").exists()


def test_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    workflow = tmp_path / WORKFLOW
    workflow.parent.mkdir(parents=True)
    workflow.write_text("# the team's own workflow\n", encoding="utf-8")
    done = run_cli("init", "--github", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {WORKFLOW}: already exists (use --force to overwrite)"
    ]
    assert "Traceback" not in done.stdout + done.stderr
    assert workflow.read_text("utf-8") == "# the team's own workflow\n"
    assert not (tmp_path / "mlops-gate.yaml").exists()  # all or nothing: no half scaffold


def test_names_every_file_it_refuses_to_overwrite(tmp_path: Path) -> None:
    assert run_cli("init", "--github", cwd=tmp_path).returncode == 0
    again = run_cli("init", "--github", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr.splitlines() == [
        "error: mlops-gate.yaml: already exists (use --force to overwrite)",
        f"error: {WORKFLOW}: already exists (use --force to overwrite)",
    ]


def test_force_overwrites(tmp_path: Path) -> None:
    for name in ("mlops-gate.yaml", str(WORKFLOW)):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("old: true\n", encoding="utf-8")
    done = run_cli("init", "--github", "--force", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / WORKFLOW).read_text("utf-8") == _template("model-gate.yml")
    assert run_cli("validate", "--offline", cwd=tmp_path).returncode == 0


def test_workflow_names_a_policy_written_elsewhere(tmp_path: Path) -> None:
    done = run_cli("init", "ml/fraud gate.yaml", "--github", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    workflow = yaml.safe_load((tmp_path / WORKFLOW).read_text("utf-8"))
    (gate,) = [step for step in workflow["jobs"]["gate"]["steps"] if step.get("id") == "gate"]
    assert gate["with"]["policy"] == "ml/fraud gate.yaml"
    assert gate["with"]["working-directory"] == "."
    validated = run_cli("validate", "--offline", "ml/fraud gate.yaml", cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr


def test_refuses_a_policy_outside_the_working_directory(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    done = run_cli("init", "../elsewhere.yaml", "--github", cwd=repo)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: ../elsewhere.yaml: outside the working directory, so the workflow cannot name it "
        "(run `mlops-gate init --github` from the repository root)"
    ]
    assert not (tmp_path / "elsewhere.yaml").exists()
    assert not (repo / ".github").exists()
