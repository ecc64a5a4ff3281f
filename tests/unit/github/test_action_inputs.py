"""The action's inputs, run through its own steps (tests/unit/github/composite.py): any extra of
the package is accepted, a bad input is exit 2 with one `::error` line before anything is
installed, and the outputs say the code the action ends with (issue 14, item 4).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.unit.github.composite import REPO, Runner, Used, load_action, run_action
from tests.unit.github.expressions import condition, evaluate

EXTRAS = sorted(
    tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
)


def runner(tmp_path: Path, action_path: Path = REPO) -> Runner:
    """A job whose setup-python puts this interpreter's folder (its venv) first on PATH."""
    workspace = tmp_path / "workspace"
    workspace.mkdir(parents=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GITHUB_ACTIONS": "true"}
    python = Path(sys.executable).parent
    return Runner(
        env,
        workspace,
        tmp_path / "temp",
        action_path=action_path,
        uses={
            "actions/setup-python": lambda _: Used({"PATH": f"{python}{os.pathsep}{env['PATH']}"}),
            "actions/upload-artifact": lambda _: Used(outputs={"artifact-id": "1"}),
        },
    )


@pytest.mark.parametrize(
    ("given", "installed"),
    [
        ("cpu", "cpu,github"),  # the default
        ("gpu", "gpu,github"),
        ("registry", "cpu,registry,github"),  # no runtime named: onnxruntime (cpu)
        (" gpu , Registry,github", "gpu,registry,github"),
        ("cpu,build,registry,serve", "cpu,build,registry,serve,github"),
        ("", "cpu,github"),
    ],
)
def test_extras_accepts_any_extra_of_the_package(
    tmp_path: Path, given: str, installed: str
) -> None:
    done = run_action(runner(tmp_path), {"extras": given}, stop_after="inputs")
    assert done.step("Check the inputs").outputs == {"extras": installed}
    assert done.stdout() == ""


def test_every_extra_in_pyproject_is_accepted(tmp_path: Path) -> None:
    for extra in EXTRAS:
        done = run_action(runner(tmp_path / extra), {"extras": extra}, stop_after="inputs")
        assert extra in done.step("Check the inputs").outputs["extras"].split(","), extra


@pytest.mark.parametrize(
    ("given", "error"),
    [
        (
            {"extras": "cpu,mlflow"},
            "input extras: not an extra of mlops-gate: mlflow; choose from " + ", ".join(EXTRAS),
        ),
        (
            {"extras": "cpu,gpu"},
            "input extras: cpu and gpu both install the onnxruntime module and break each other: "
            "name one",
        ),
        (
            {"extras": "cpu,x\n::warning::injected%0A"},
            "input extras: not an extra of mlops-gate: (a name with other characters); choose from "
            + ", ".join(EXTRAS),
        ),
        ({"record": "always"}, "input record must be auto, required or off"),
        ({"command": "promote"}, "input command must be check or run"),
    ],
    ids=["unknown", "cpu-and-gpu", "injection", "record", "command"],
)
def test_a_bad_input_is_exit_2_with_one_error_line_and_installs_nothing(
    tmp_path: Path, given: dict[str, str], error: str
) -> None:
    done = run_action(runner(tmp_path), given)
    conclusions = {step.name: step.conclusion for step in done.steps}
    assert conclusions["Install mlops-gate"] == "skipped"
    assert conclusions["Gate the model"] == "skipped"
    assert done.exit_code == 2
    assert done.outputs == {"verdict": "error", "exit-code": "2", "report": ""}
    commands = [line for line in done.stdout().splitlines() if line.startswith("::")]
    assert commands == [f"::error title=mlops-gate::{error}"]


def test_record_is_passed_to_the_tool() -> None:
    gate = next(s for s in load_action()["runs"]["steps"] if s.get("id") == "gate")
    assert gate["env"]["RECORD"] == "${{ inputs.record }}"
    assert '--record "$RECORD"' in gate["run"]
    assert load_action()["inputs"]["record"]["default"] == "auto"


def test_expressions_as_the_runner_reads_them() -> None:
    context = {
        "steps": {"gate": {"outputs": {"code": "0"}}, "inputs": {"outputs": {}}},
        "inputs": {"record": "auto"},
    }
    assert evaluate("${{ steps.gate.outputs.code || '3' }}", context) == "0"
    assert (
        evaluate(
            "${{ steps.inputs.outputs.code || steps.gate.outputs.verdict || 'error' }}", context
        )
        == "error"
    )
    assert evaluate("a ${{ inputs.record }} b", context) == "a auto b"
    assert condition("steps.inputs.outputs.code == ''", context)
    assert not condition("steps.inputs.outputs.code == ''", context, state="failure")
    assert condition("always()", context, state="failure")
    assert condition("${{ inputs.record == 'AUTO' }}", context)  # case-insensitive, as GitHub's
    # `&&` binds tighter than `||` and gives an operand, as GitHub's does.
    assert condition("always() && steps.gate.outputs.code != ''", context, state="failure")
    assert not condition("always() && steps.inputs.outputs.code != ''", context, state="failure")
    assert evaluate("${{ inputs.record && steps.gate.outputs.code }}", context) == "0"
    assert evaluate("${{ steps.inputs.outputs.code && 'x' || 'y' }}", context) == "y"
    with pytest.raises(ValueError, match="not simulated"):
        evaluate("${{ fromJSON(inputs.record) }}", context)
    with pytest.raises(ValueError, match="context not simulated"):
        evaluate("${{ secrets.TOKEN }}", context)


@pytest.mark.parametrize(
    "workflow",
    [
        REPO / ".github" / "workflows" / "model-gate.yml",
        REPO / "mlops_gate" / "templates" / "model-gate.yml",
    ],
    ids=["dogfood", "template"],
)
def test_the_sample_workflows_give_the_action_valid_inputs(tmp_path: Path, workflow: Path) -> None:
    """Only inputs the action declares (run_action refuses others), each one it accepts."""
    (job,) = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"].values()
    given = next(step["with"] for step in job["steps"] if step.get("id") == "gate")
    assert {"extras", "record"} <= set(given)
    # As the runner hands them over: strings, YAML's `true` as "true".
    inputs = {
        key: json.dumps(value) if isinstance(value, bool) else value for key, value in given.items()
    }
    done = run_action(runner(tmp_path), inputs, stop_after="inputs")
    assert set(done.step("Check the inputs").outputs) == {"extras"}


def test_a_failed_install_is_exit_2_in_the_outputs_too(tmp_path: Path) -> None:
    """A package pip cannot build (its build backend does not exist): nothing is installed."""
    broken = tmp_path / "action"
    broken.mkdir()
    (broken / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "no_such_backend_here"\n'
        '[project]\nname = "broken"\nversion = "0"\n'
        "[project.optional-dependencies]\ncpu = []\ngithub = []\n",
        encoding="utf-8",
    )
    done = run_action(runner(tmp_path, broken), {})
    assert done.step("Install mlops-gate").conclusion == "failure"
    assert done.step("Gate the model").conclusion == "skipped"
    assert done.exit_code == 2
    assert done.outputs == {"verdict": "error", "exit-code": "2", "report": ""}
    assert "::error title=mlops-gate::could not install mlops-gate[cpu,github]" in done.stdout()


def _post_step(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The action's "Post the report" script, run as the runner runs it, with `env`."""
    (step,) = [s for s in load_action()["runs"]["steps"] if s.get("id") == "post"]
    script = tmp_path / "post.sh"
    script.write_text(step["run"], encoding="utf-8")
    output = tmp_path / "output"
    output.touch()
    full = {"PATH": "/usr/bin:/bin", "GITHUB_OUTPUT": str(output), "COMMENT": "true"}
    full |= {"RESULTS": str(tmp_path / "results.json"), "GATE_CODE": "0", **env}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        env=full,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_post_step_posts_only_a_checks_results_from_a_writable_pull_request(
    tmp_path: Path,
) -> None:
    """mlops-gate is not on this PATH: each of these cases ends before it would be called."""
    (tmp_path / "results.json").write_text("{}")
    fork = _post_step(tmp_path, COMMAND="check", FORK="true")
    assert fork.returncode == 0, fork.stderr
    assert fork.stdout.startswith("::notice title=mlops-gate::pull request from a fork")
    for env in ({"COMMAND": "run"}, {"COMMAND": "check", "COMMENT": "false"}):
        done = _post_step(tmp_path, **env)  # `run` posted before its promotion; no comment
        assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    (tmp_path / "results.json").unlink()  # a policy that did not load: nothing to post
    done = _post_step(tmp_path, COMMAND="check")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    gate = next(s for s in load_action()["runs"]["steps"] if s.get("id") == "gate")
    assert '"$COMMAND" == "run" && "$COMMENT" == "true" && "$FORK" != "true"' in gate["run"]
