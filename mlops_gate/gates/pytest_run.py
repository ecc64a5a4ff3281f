"""Run pytest in a subprocess for the `pytest` gate, and read back what happened to each test.

A subprocess, not `pytest.main()` in this process: the checks import user code, load models,
register hypothesis profiles and may change warnings filters or the working directory; none of
that may leak into the gates evaluated after them. pytest's own variables from an outer run
(`PYTEST_ADDOPTS`, `PYTEST_CURRENT_TEST`, xdist's) are not passed on for the same reason.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_gate.errors import GateError

NESTED_ENV = "MLOPS_GATE_PYTEST_GATE"  # set in the subprocess: a pytest gate inside one refuses
OUTER_PYTEST_ENV = ("PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST", "PYTEST_PLUGINS", "PYTEST_XDIST_")
OUTPUT_TAIL = 1500


@dataclass(frozen=True)
class PytestRun:
    """What one pytest run left: its exit status, its tests, its collection errors."""

    exit_status: int
    tests: list[dict[str, Any]] = field(default_factory=list)
    collection_errors: list[dict[str, str]] = field(default_factory=list)
    output_tail: str = ""


def reproduce_command(args: list[str]) -> str:
    """The one command a reviewer pastes to re-run exactly this (paths relative to here)."""
    return shlex.join(["python", "-m", "pytest", *(_relative(arg) for arg in args)])


def run_pytest(args: list[str], timeout_s: float) -> PytestRun:
    """`python -m pytest ARGS` in a subprocess; raises GateError when it leaves no report."""
    if os.environ.get(NESTED_ENV):
        raise GateError("a pytest gate cannot run inside the checks of another pytest gate")
    with tempfile.TemporaryDirectory(prefix="mlops-gate-pytest-") as scratch:
        report = Path(scratch) / "report.json"
        command = [sys.executable, "-m", "pytest", *args, *_quiet_args(report)]
        try:
            done = subprocess.run(
                command,
                env=_child_env(),
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise GateError(f"pytest did not finish within {timeout_s:g} s (timeout_s)") from None
        tail = (done.stdout + done.stderr)[-OUTPUT_TAIL:]
        if not report.is_file():  # pytest stopped before the session: usage or plugin error
            raise GateError(f"pytest exited {done.returncode} before running: {_last_lines(tail)}")
        document = json.loads(report.read_text(encoding="utf-8"))
    return PytestRun(
        exit_status=int(document["exit_status"]),
        tests=list(document["tests"]),
        collection_errors=list(document["collection_errors"]),
        output_tail=tail,
    )


def _quiet_args(report: Path) -> list[str]:
    # No cache: `--lf`-style state from an earlier run must not change which tests run.
    return ["-q", "--color=no", "-p", "no:cacheprovider", "--mlops-gate-report", str(report)]


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OUTER_PYTEST_ENV)}
    env[NESTED_ENV] = "1"
    return env


def _relative(arg: str) -> str:
    """An absolute path under the working directory, written relative to it."""
    path = Path(arg)
    if not path.is_absolute():
        return arg
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return arg


def _last_lines(text: str, count: int = 5) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-count:]) or "(no output)"


PLUGIN_MODULE = "mlops_gate.pytest_plugin"


def plugin_args() -> list[str]:
    """pytest arguments that load this plugin exactly once (for the gate's subprocess, and tests).

    Installed, its `pytest11` entry point loads it by itself; `-p mlops_gate.pytest_plugin` on
    top would fail ("Plugin already registered under a different name") unless the entry point
    has that very name, so it is only given where the entry point is missing. With autoloading
    off (PYTEST_DISABLE_PLUGIN_AUTOLOAD), the entry point is named instead.
    """
    import os
    from importlib.metadata import entry_points

    installed = sorted(
        ep.name for ep in entry_points(group="pytest11") if ep.value == PLUGIN_MODULE
    )
    if not installed:
        return ["-p", PLUGIN_MODULE]
    return ["-p", installed[0]] if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") else []
