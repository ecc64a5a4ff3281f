"""`pytest` gate: behavioural checks (pytest + hypothesis) on the model, as one gate.

pytest runs on `path` (relative to the policy) in a subprocess with `--mlops-gate <policy>`, so the
checks see the same model and data as the other gates, while nothing they import, patch or leak
(modules, warnings filters, the working directory's state) reaches this process. Each test is an
entry of `details["tests"]`; the gate fails when any test fails and errors when collection fails,
a test errors, or no test ran. The hypothesis seed, every falsifying example and the one command
that reproduces the run are in the details (and, on failure, the message). docs/checks.md.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from mlops_gate.gates.base import GateConfig
from mlops_gate.gates.pytest_options import CheckOptions

if TYPE_CHECKING:
    from pathlib import Path

    from mlops_gate.gates.context import GateContext
    from mlops_gate.gates.pytest_run import PytestRun
    from mlops_gate.results import GateResult

NAMED_IN_MESSAGE = 3  # failing tests named in the message; all are in the details
EXAMPLE_IN_MESSAGE = 300  # characters of the first falsifying example in the message
OUTCOMES = ("passed", "failed", "error", "skipped")


class Config(GateConfig):
    """pytest checks (e.g. the ready-made `checks/`) must all pass on the model."""

    start_first = True  # a pytest subprocess overlaps the loading of data and models

    type: Literal["pytest"]
    path: str = Field(description="Test file or folder, relative to the policy (e.g. checks/).")
    select: str | None = Field(
        default=None, description="pytest `-k` expression, e.g. `invariance or robustness`."
    )
    options: CheckOptions = Field(
        default_factory=CheckOptions,
        description="What the checks expect of the model (monotonic, irrelevant, ...).",
    )
    max_examples: int = Field(
        default=100, ge=1, le=100_000, description="Hypothesis examples per test."
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        lt=2**32,
        description="Hypothesis seed (default: a new one each run, reported in the details).",
    )
    shrink: bool = Field(
        default=False,
        description="Shrink a failing example to a minimal one: easier to read, but up to a "
        "minute per failing check. The check's message names the offending row either way.",
    )
    timeout_s: float = Field(default=600, gt=0, description="Stop pytest after this many seconds.")

    requires = frozenset({"model"})
    cacheable = False  # it runs test files the result cache's key does not cover

    def default_id(self) -> str:
        """`pytest:checks` for `path: checks/` (an absolute path gives its last part only)."""
        path = _id_part(self.path) or "."
        return f"pytest:{path}"


def _id_part(path: str) -> str:
    name = path if not path.startswith("/") else path.rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9_.:/-]", "_", name).strip("./")


def evaluate(config: Config, context: GateContext) -> GateResult:
    """Run pytest on `config.path` and gate on what happened to every test."""
    import importlib.util
    import os
    import secrets
    from pathlib import Path

    from mlops_gate.errors import DependencyError, GateError
    from mlops_gate.gates.pytest_run import reproduce_command, run_pytest

    missing = [name for name in ("pytest", "hypothesis") if importlib.util.find_spec(name) is None]
    if missing:
        raise DependencyError(
            f"the pytest gate needs {' and '.join(missing)}: pip install {' '.join(missing)}"
        )
    target = Path(os.path.normpath(context.resolve(config.path).absolute()))
    if not target.exists():
        raise GateError(f"{target}: no such test file or folder (pytest gate `path`)")
    context.model("model")  # a model that does not load is this gate's error too (issue 13)
    seed = config.seed if config.seed is not None else secrets.randbelow(2**32)
    args = pytest_args(config, target, context.policy_path.absolute(), seed)
    run = run_pytest(args, config.timeout_s)
    return _result(config, run, seed, reproduce_command(args))


def pytest_args(config: Config, target: Path, policy: Path, seed: int) -> list[str]:
    """pytest's arguments for this gate: what the gate runs, and what a reviewer re-runs."""
    from mlops_gate.gates.pytest_run import plugin_args

    args = [
        str(target),
        *plugin_args(),
        "--mlops-gate",
        str(policy),
        "--mlops-gate-no-items",
        *_options_args(config),
        "--mlops-gate-max-examples",
        str(config.max_examples),
        f"--mlops-gate-seed={seed}",
        *([] if config.shrink else ["--mlops-gate-no-shrink"]),
    ]
    return [*args, "-k", config.select] if config.select else args


def _options_args(config: Config) -> list[str]:
    # Default options need no argument: the plugin's fallback (the policy's only pytest gate,
    # else the defaults) gives the same, and the reproduce command stays short.
    given = config.options.model_dump_json(exclude_defaults=True)
    return [] if given == "{}" else ["--mlops-gate-options", given]


def _result(config: Config, run: PytestRun, seed: int, command: str) -> GateResult:
    from mlops_gate.results import GateResult, Verdict

    failed = [t for t in run.tests if t["outcome"] == "failed"]
    errors = [t for t in run.tests if t["outcome"] == "error"]
    ran = [t for t in run.tests if t["outcome"] in ("passed", "failed")]
    if failed:  # failure wins over error (DESIGN.md)
        verdict, message = Verdict.FAIL, _failure_message(failed, len(ran), seed, command)
    elif run.collection_errors or errors or not ran or run.exit_status not in (0, 1):
        verdict, message = Verdict.ERROR, _error_message(run, errors, ran)
    else:
        verdict, message = Verdict.PASS, f"all {len(ran)} checks passed (seed {seed})"
    details = {
        "comparator": "≤",
        "path": config.path,
        "select": config.select,
        "seed": seed,
        "reproduce": command,
        "exit_status": run.exit_status,
        "counts": {o: sum(t["outcome"] == o for t in run.tests) for o in OUTCOMES},
        "tests": run.tests,
        "collection_errors": run.collection_errors,
    }
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=verdict,
        value=float(len(failed)),
        threshold=0.0,
        message=message,
        details=details,
    )


def _failure_message(failed: list[dict[str, Any]], ran: int, seed: int, command: str) -> str:
    first, others = failed[0], failed[1:]
    why = first.get("message", "").strip().splitlines()
    parts = [
        f"{len(failed)} of {ran} checks failed",
        f"{_short(first['nodeid'])}: {why[0] if why else ''}",
    ]
    if others:
        named = ", ".join(_short(t["nodeid"]) for t in others[:NAMED_IN_MESSAGE])
        more = len(others) - NAMED_IN_MESSAGE
        parts.append(f"also {named}" + (f" and {more} more" if more > 0 else ""))
    if first.get("example"):
        parts.append(" ".join(first["example"].split())[:EXAMPLE_IN_MESSAGE])
    parts.append(f"seed {seed}; reproduce: {command}")
    return "; ".join(parts)


def _error_message(run: PytestRun, errors: list[dict[str, Any]], ran: list[Any]) -> str:
    if run.collection_errors:
        first = run.collection_errors[0]
        last = first["message"].strip().splitlines()[-1:] or ["(no message)"]
        return f"collecting {first['nodeid']} failed: {last[0]}"
    if errors:
        return f"{_short(errors[0]['nodeid'])} could not run: {errors[0].get('message', '')}"
    if not ran:
        return f"no test ran ({len(run.tests)} collected, none passed or failed; check path and select)"
    last = run.output_tail.strip().splitlines()[-1:] or ["(no output)"]
    return f"pytest exited {run.exit_status}: {last[0]}"


def _short(nodeid: str) -> str:
    """`checks/test_x.py::test_y[a]` → `test_x.py::test_y[a]`: enough to find it in the details."""
    return nodeid.rsplit("/", 1)[-1]
