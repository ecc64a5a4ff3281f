"""Static checks of action.yml, the sample workflow (the template `mlops-gate init --github` writes,
and this repository's copy of it) and the pre-commit hooks (actionlint's job, for the rules that
matter here; actionlint itself cannot be installed from PyPI offline).
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
ACTION = REPO / "action.yml"
SAMPLE = REPO / ".github" / "workflows" / "model-gate.yml"
TEMPLATE = REPO / "mlops_gate" / "templates" / "model-gate.yml"
# The template names the action by a placeholder owner that the user replaces (README, docs).
PUBLISHED_ACTION = "<owner>/mlops-gate@v1"
FILES = [ACTION, SAMPLE, TEMPLATE]
FILE_IDS = ["action.yml", "model-gate.yml", "template"]
HOOKS = REPO / ".pre-commit-hooks.yaml"
PINNED = re.compile(r"^(\./|[\w.-]+/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$)")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from document.get("runs", {}).get("steps", [])
    for job in document.get("jobs", {}).values():
        yield from job.get("steps", [])


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_no_expression_inside_a_script(path: Path) -> None:
    """Untrusted values (branch names, PR titles, inputs) reach the shell only through `env:`."""
    scripts = [step["run"] for step in steps(load(path)) if "run" in step]
    assert scripts or path == TEMPLATE  # the template runs no script of its own
    for script in scripts:
        assert "${{" not in script, script


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_scripts_are_valid_bash(path: Path, tmp_path: Path) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    for index, step in enumerate(s for s in steps(load(path)) if "run" in s):
        script = tmp_path / f"step{index}.sh"
        script.write_text(step["run"], encoding="utf-8")
        done = subprocess.run(
            [bash, "-n", str(script)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_actions_used_are_pinned(path: Path) -> None:
    for step in steps(load(path)):
        if "uses" in step:
            assert step["uses"] == PUBLISHED_ACTION or PINNED.match(step["uses"]), step["uses"]


def test_action_interface() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {
        "policy",
        "command",
        "comment",
        "python-version",
        "extras",
        "working-directory",
    }
    assert set(action["outputs"]) == {"verdict", "exit-code", "report"}
    for name, spec in action["outputs"].items():
        assert spec["value"].startswith(("${{ steps.gate.outputs.", "${{ steps.post.outputs.")), (
            name
        )
    run_steps = [s for s in action["runs"]["steps"] if "run" in s]
    assert all(s.get("shell") == "bash" for s in run_steps)  # composite steps must name a shell
    names = [s.get("uses", "").split("@")[0] for s in action["runs"]["steps"]]
    assert "actions/upload-artifact" in names
    last = action["runs"]["steps"][-1]
    assert last["if"] == "always()"
    assert 'exit "${CODE:-3}"' in last["run"]  # the action ends with the tool's exit code


def test_action_installs_the_extras_it_is_given() -> None:
    install = next(
        s for s in load(ACTION)["runs"]["steps"] if s.get("name") == "Install mlops-gate"
    )
    # The extras the inputs step checked against pyproject.toml (test_action_inputs.py), no other.
    assert install["env"] == {
        "ACTION_PATH": "${{ github.action_path }}",
        "EXTRAS": "${{ steps.inputs.outputs.extras }}",
    }
    assert install["if"] == "steps.inputs.outputs.code == ''"
    assert (
        'pip install --disable-pip-version-check --quiet "${ACTION_PATH}[${EXTRAS}]"'
        in (install["run"])
    )


@pytest.mark.parametrize(
    ("path", "action"), [(SAMPLE, "./"), (TEMPLATE, PUBLISHED_ACTION)], ids=["sample", "template"]
)
def test_sample_workflow_is_safe(path: Path, action: str) -> None:
    text = path.read_text(encoding="utf-8")
    workflow = load(path)
    events = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert events == ["pull_request", "push"]
    assert "pull_request_target" not in text.replace("never `pull_request_target`", "")
    assert workflow["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "checks": "write",
    }
    for job in workflow["jobs"].values():
        assert "permissions" not in job  # no job widens them
        assert any(step.get("uses") == action for step in job["steps"])


def test_sample_is_the_template_but_for_its_dogfood_lines() -> None:
    """One source of truth: this repository's workflow is what `init --github` writes, except
    where it must run this commit's own action on the example.
    """
    diff = difflib.unified_diff(
        TEMPLATE.read_text(encoding="utf-8").splitlines(),
        SAMPLE.read_text(encoding="utf-8").splitlines(),
        n=0,
        lineterm="",
    )
    changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    only_template = [line[1:].strip() for line in changed if line.startswith("-")]
    only_sample = [line[1:].split("  #")[0].strip() for line in changed if line.startswith("+")]
    assert only_template == [f"uses: {PUBLISHED_ACTION}", "working-directory: ."]
    assert only_sample == [
        "- name: Generate the example's data, models and built artifacts (dogfood only; your "
        "repository has its own)",
        "run: make example-models example-build",
        "",
        "uses: ./",
        "working-directory: examples/credit-risk",
    ]


def test_pre_commit_hooks() -> None:
    hooks = {hook["id"]: hook for hook in load(HOOKS)}
    # Its environment has no MLflow, and a commit is no run for the registry (issue 14).
    assert hooks["mlops-gate"]["entry"] == "mlops-gate check --record off"
    assert hooks["mlops-gate-validate"]["entry"] == "mlops-gate validate"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        pattern = re.compile(hook["files"])
        assert pattern.search("mlops-gate.yaml")
        assert pattern.search("ml/mlops-gate.prod.yml")
        assert not pattern.search("README.md")
    assert re.search(hooks["mlops-gate"]["files"], "models/model.onnx")
