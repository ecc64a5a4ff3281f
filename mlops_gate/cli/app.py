"""The `mlops-gate` application: its commands in workflow order, the global options, and what
runs when any command closes. Standard library and typer only: `--help` stays fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core

from mlops_gate import __version__, paths
from mlops_gate.deadline import DEFAULT_TIMEOUT_S

COMMANDS = {
    # Workflow order (issue 17, item 5): set up, check, ship, then look back. Each line is the
    # command's whole description in `mlops-gate --help` (click cuts a docstring's first sentence
    # at 45 characters); the docstring below it is the long help of `mlops-gate COMMAND --help`.
    "init": "Write a starter policy (and the GitHub workflow).",
    "validate": "Check a policy's keys, types and files; run no gate.",
    "check": "Evaluate every gate; write reports and evidence.",
    "build": "Export to ONNX, quantize, write the image context.",
    "promote": "Move the registry alias to the checked model.",
    "deploy": "Run the canary of a promoted model.",
    "run": "The whole pipeline: build, check, promote, deploy.",
    "report": "Re-render or post a report from a results JSON.",
    "history": "Who moved the alias to which version, and why.",
    "schema": "Print the policy JSON Schema for editors.",
}


class _WorkflowOrder(typer.core.TyperGroup):
    """Lists the commands in `COMMANDS` order (workflow order), not in definition order."""

    def list_commands(self, ctx: Any) -> list[str]:  # typer's own (vendored) click.Context
        known = super().list_commands(ctx)
        return [name for name in COMMANDS if name in known] + [
            name for name in known if name not in COMMANDS
        ]


app = typer.Typer(
    name="mlops-gate",
    cls=_WorkflowOrder,
    help="Declarative quality gates for ML models: no model ships unless it passes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

PolicyArg = Annotated[Path, typer.Argument(help="Policy file.", show_default=True)]
EVIDENCE = paths.EVIDENCE
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout", min=1, help="Seconds the registry work may take (default: global --timeout)."
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlops-gate {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            min=1,
            help="Seconds any network work (registry, GitHub) may take, in all.",
        ),
    ] = DEFAULT_TIMEOUT_S,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Declarative quality gates for ML models: no model ships unless it passes."""
    ctx.obj = {"timeout": timeout}
    ctx.call_on_close(_ignore_state_dir)


def _ignore_state_dir() -> None:
    """After any command (a crash included): `.mlops-gate/.gitignore` if the command made the
    folder, so `git add -A` stages none of it (issue 17, item 3)."""
    import contextlib

    with contextlib.suppress(OSError):  # a read-only work tree: nothing to stage anyway
        paths.ignore_state_dir()


def timeout_of(ctx: typer.Context, override: float | None = None) -> float:
    """The command's own --timeout, else the global one."""
    if override is not None:
        return override
    return float((ctx.obj or {}).get("timeout", DEFAULT_TIMEOUT_S))
