"""How a GitHub Actions runner runs this repository's composite action (action.yml), here.

Enough of the runner to run the action's own steps exactly as they are written: a `run:` step
is written to a file and run as `bash --noprofile --norc -eo pipefail FILE` (what `shell: bash`
means), in its `working-directory` under `$GITHUB_WORKSPACE`, with the job's environment, the
step's `env:`, and its own `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` files, whose values become
`steps.<id>.outputs`. A failed step skips the later ones unless their `if:` says `always()`.
`${{ }}` expressions are evaluated as the runner does for the forms action.yml uses
(expressions.py): any other form raises, so the action cannot grow an expression that these
tests would silently misread. `uses:` steps are handed to the caller's handlers (setup-python
puts an interpreter first on PATH; upload-artifact copies and gives the artifact's id).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.unit.github.expressions import condition, evaluate

REPO = Path(__file__).resolve().parents[3]
ACTION = REPO / "action.yml"


@dataclass
class Used:
    """What a `uses:` step did: variables it set for the later steps, and its outputs."""

    env: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)


# A `uses:` handler gets the step's evaluated `with:`.
UsesHandler = Callable[[dict[str, str]], Used]


@dataclass
class Runner:
    """The job around the action: its environment, workspace, temp folder and event."""

    env: dict[str, str]
    workspace: Path
    temp: Path
    action_path: Path = REPO
    event: dict[str, Any] = field(default_factory=dict)
    uses: Mapping[str, UsesHandler] = field(default_factory=dict)
    timeout: float = 900


@dataclass
class StepRun:
    name: str
    conclusion: str  # success, failure or skipped
    outputs: dict[str, str] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    returncode: int | None = None
    seconds: float = 0.0
    summary: str = ""


@dataclass
class ActionRun:
    steps: list[StepRun]
    outputs: dict[str, str]

    @property
    def failed(self) -> bool:
        return any(step.conclusion == "failure" for step in self.steps)

    @property
    def exit_code(self) -> int | None:
        """The exit status of the last step that ran (the action's last step is its verdict)."""
        ran = [step for step in self.steps if step.returncode is not None]
        return ran[-1].returncode if ran else None

    def step(self, name: str) -> StepRun:
        return next(step for step in self.steps if step.name == name)

    def stderr(self) -> str:
        return "".join(step.stderr for step in self.steps)

    def stdout(self) -> str:
        return "".join(step.stdout for step in self.steps)


def load_action(path: Path = ACTION) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def run_action(
    runner: Runner,
    given: Mapping[str, str],
    *,
    stop_after: str | None = None,
    action: Path = ACTION,
) -> ActionRun:
    """Run the steps of the composite action with the inputs `given` (a workflow's `with:`):
    every step, or those up to the one whose id is `stop_after`."""
    document = load_action(action)
    context: dict[str, Any] = {
        "github": {
            "action_path": str(runner.action_path),
            "token": runner.env.get("GITHUB_TOKEN", ""),
            "workspace": str(runner.workspace),
            "event": runner.event,
        },
        "runner": {"temp": str(runner.temp)},
        "steps": {},
    }
    context["inputs"] = _inputs(document["inputs"], given, context)
    env = dict(runner.env)
    done: list[StepRun] = []
    for index, step in enumerate(document["runs"]["steps"]):
        state = "failure" if any(s.conclusion == "failure" for s in done) else "success"
        name = step.get("name", f"step {index}")
        if not condition(step.get("if", "success()"), context, state):
            done.append(StepRun(name, "skipped"))
            continue
        if "uses" in step:
            used = runner.uses[step["uses"].split("@")[0]](
                _evaluated(step.get("with", {}), context)
            )
            env.update(used.env)
            result = StepRun(name, "success", used.outputs)
        else:
            result = _run_step(runner, step, name, env, context, index)
        done.append(result)
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": result.outputs}
            if step["id"] == stop_after:
                break
    outputs = {
        key: str(evaluate(spec["value"], context)) for key, spec in document["outputs"].items()
    }
    return ActionRun(done, outputs)


def _inputs(
    spec: dict[str, Any], given: Mapping[str, str], context: dict[str, Any]
) -> dict[str, str]:
    unknown = set(given) - set(spec)
    assert not unknown, f"not inputs of the action: {sorted(unknown)}"
    return {
        name: given[name] if name in given else str(evaluate(str(item.get("default", "")), context))
        for name, item in spec.items()
    }


def _evaluated(values: Mapping[str, Any], context: dict[str, Any]) -> dict[str, str]:
    return {key: str(evaluate(str(value), context)) for key, value in values.items()}


def _run_step(
    runner: Runner,
    step: dict[str, Any],
    name: str,
    env: dict[str, str],
    context: dict[str, Any],
    index: int,
) -> StepRun:
    assert step.get("shell") == "bash", f"{name}: only `shell: bash` is simulated"
    files = runner.temp / "_runner" / f"step{index}"
    files.mkdir(parents=True, exist_ok=True)
    script = files / "script.sh"
    script.write_text(step["run"], encoding="utf-8")
    output, summary = files / "output", files / "summary"
    output.touch()
    summary.touch()
    step_env = {**env, **_evaluated(step.get("env", {}), context)}
    step_env.update({"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)})
    cwd = runner.workspace / str(evaluate(str(step.get("working-directory", ".")), context))
    bash = shutil.which("bash")
    assert bash is not None
    clock = time.perf_counter()
    done = subprocess.run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env=step_env,
        capture_output=True,
        text=True,
        timeout=runner.timeout,
        check=False,
    )
    conclusion = "success" if done.returncode == 0 else "failure"
    outputs = read_outputs(output)
    seconds = round(time.perf_counter() - clock, 1)
    return StepRun(
        name,
        conclusion,
        outputs,
        done.stdout,
        done.stderr,
        done.returncode,
        seconds,
        summary.read_text(encoding="utf-8"),
    )


def read_outputs(path: Path) -> dict[str, str]:
    """A `$GITHUB_OUTPUT` file as the runner reads it: `name=value` and `name<<DELIMITER` lines."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, _, delimiter = line.partition("<<")
            value: list[str] = []
            for item in lines:
                if item == delimiter:
                    break
                value.append(item)
            outputs[name] = "\n".join(value)
        elif line:
            name, separator, text = line.partition("=")
            assert separator, f"not an output line: {line!r}"
            outputs[name] = text
    return outputs
