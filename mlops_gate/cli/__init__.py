"""The `mlops-gate` command line: parse arguments, load the policy once, call the command
(`mlops_gate.commands`), print what it returns, exit with the exit code it decided.

One module per group of commands, each registering on `app.app`: `setup` (init, validate,
schema, report), `check`, `pipeline` (build, deploy, run) and `registry_commands` (promote,
history); `common` holds what they share. Nothing heavy is imported here: `mlops-gate --help`
must stay fast (tests/unit/test_startup.py).
"""

from __future__ import annotations

from mlops_gate.cli import check, pipeline, registry_commands, setup  # registers the commands
from mlops_gate.cli.app import app

__all__ = ["app", "check", "main", "pipeline", "registry_commands", "setup"]


def main() -> None:
    app()
