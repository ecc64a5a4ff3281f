"""`mlops-gate build`, `deploy` and `run`: the artifact, the canary, and the whole pipeline."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mlops_gate.cli.app import COMMANDS, EVIDENCE, PolicyArg, TimeoutOpt, app, timeout_of
from mlops_gate.cli.common import fail, guarded, load, make_console, print_delivery
from mlops_gate.commands.recording import RecordMode  # standard library only: --help stays fast
from mlops_gate.deploy.targets import target_names  # standard library only: --help stays fast

if TYPE_CHECKING:
    from mlops_gate.commands.run import Stage


@app.command(short_help=COMMANDS["build"])
def build(
    ctx: typer.Context,
    policy: PolicyArg = Path("mlops-gate.yaml"),
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for model*.onnx, image/ and build.json.")
    ] = Path("dist"),
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Overwrite a non-empty --out; build the image without passing evidence."
        ),
    ] = False,
    push: Annotated[bool, typer.Option("--push", help="Push the image after building it.")] = False,
    image: Annotated[
        bool,
        typer.Option(
            "--image/--no-image", help="Build the container image where an engine exists."
        ),
    ] = True,
    evidence: Annotated[
        Path, typer.Option(help="Evidence that must pass before the image is built.")
    ] = EVIDENCE,
) -> None:
    """Export POLICY's model to ONNX, quantize it, write the serving image context (and build the image)."""
    from mlops_gate.commands.build import build as command

    loaded = load(policy)
    limit = timeout_of(ctx)
    result = guarded(
        lambda: command(
            loaded, out, force=force, push=push, image=image, evidence=evidence, timeout=limit
        )
    )
    for line in result.lines:
        typer.echo(line)


@app.command(short_help=COMMANDS["deploy"])
def deploy(
    ctx: typer.Context,
    policy: PolicyArg = Path("mlops-gate.yaml"),
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            help=f"One of {', '.join(target_names())} (default: deploy.canary.target).",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="kubernetes: write the manifests to --out, apply nothing."),
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder for the rendered manifests.")
    ] = None,
    evidence: Annotated[Path, typer.Option(help="Evidence file written by check.")] = EVIDENCE,
    status: Annotated[
        bool, typer.Option("--status", help="Show the running or last canary and stop.")
    ] = False,
    abort: Annotated[
        bool, typer.Option("--abort", help="Roll the running canary back to 0% now.")
    ] = False,
    promote_now: Annotated[
        bool, typer.Option("--promote-now", help="Skip the remaining steps: canary to 100% now.")
    ] = False,
    timeout: TimeoutOpt = None,
) -> None:
    """Start the canary of a promoted model (steps, live analysis, automatic rollback).

    Exit 0 when the canary reached 100% (or was already serving), 1 when its analysis failed or it
    was aborted (rolled back, nothing moved), 2 when it could not run (no gated promotion, evidence
    not matching, a server or the router died).
    """
    from mlops_gate.commands import deploy as command

    limit = timeout_of(ctx, timeout)
    if target is not None and target not in target_names():
        fail([f"--target must be one of {', '.join(target_names())}, not '{target}'"])
    asked = (("status", status), ("abort", abort), ("promote-now", promote_now))
    actions = [name for name, on in asked if on]
    if len(actions) > 1:
        fail([f"use one of --status, --abort, --promote-now (got {', '.join(actions)})"])
    loaded = load(policy)
    if actions == ["status"]:
        status_lines = guarded(
            lambda: command.status(loaded, evidence, target=target, timeout=limit)
        )
        for line in status_lines:
            typer.echo(line)
        return
    if actions:
        action = actions[0]
        typer.echo(
            guarded(lambda: command.control(loaded, action, evidence, target=target, timeout=limit))
        )
        return
    outcome = guarded(
        lambda: command.deploy(
            loaded,
            evidence,
            target=target,
            dry_run=dry_run,
            out=out,
            timeout=limit,
            on_event=lambda line: typer.echo(line, err=True),
        )
    )
    for line in outcome.lines:
        typer.echo(line)
    raise typer.Exit(outcome.exit_code)


@app.command("run", short_help=COMMANDS["run"])
def run_command(
    ctx: typer.Context,
    policy: PolicyArg = Path("mlops-gate.yaml"),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Folder for the built artifacts (default: model.path's folder)."
        ),
    ] = None,
    evidence: Annotated[Path, typer.Option(help="Evidence file the check writes.")] = EVIDENCE,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the check's results JSON here.")
    ] = None,
    junit: Annotated[Path | None, typer.Option(help="Write the check's JUnit XML here.")] = None,
    markdown: Annotated[
        Path | None, typer.Option(help="Write the check's Markdown report here.")
    ] = None,
    html: Annotated[Path | None, typer.Option(help="Write the check's HTML report here.")] = None,
    comment: Annotated[
        bool,
        typer.Option(
            "--comment",
            help="Post the check's sticky PR comment and check run (GITHUB_TOKEN); a failed post "
            "stops the run (exit 2).",
        ),
    ] = False,
    record: Annotated[
        RecordMode,
        typer.Option(
            "--record",
            help="Log the check as an MLflow run: auto (one warning line where it cannot), "
            "required (a check that cannot be recorded stops the run, exit 2), off.",
        ),
    ] = RecordMode.AUTO,
    timeout: TimeoutOpt = None,
) -> None:
    """The whole pipeline: build → check → image → promote → deploy; stops at the first "no".

    No image, promotion or deployment unless every gate passed; a re-run after a fault resumes
    (every stage is idempotent). The exit code is the first failing stage's.
    """
    from rich.console import Console

    from mlops_gate.commands.check import Outputs
    from mlops_gate.commands.run import run as command
    from mlops_gate.reports import terminal

    limit = timeout_of(ctx, timeout)
    outputs = Outputs(json=json_path, junit=junit, markdown=markdown, html=html)
    console = make_console()
    progress = terminal.TerminalProgress(Console(stderr=True)) if sys.stderr.isatty() else None
    loaded = load(policy)

    def stage_line(stage: Stage) -> None:
        # Live, on stderr with the canary's progress; the summary table below goes to stdout.
        detail = f": {stage.detail}" if stage.detail else ""
        typer.echo(f"{stage.name}: {stage.status}{detail}", err=True)

    result = guarded(
        lambda: command(
            loaded,
            out=out,
            evidence=evidence,
            outputs=outputs,
            timeout=limit,
            progress=progress,
            comment=comment,
            record=record,
            on_stage=stage_line,
            on_event=lambda line: typer.echo(f"  {line}", err=True),
            # `run`'s check is shown and posted as `check` does it (table; in Actions the summary,
            # outputs and annotations; with --comment the PR comment). A failed post stops the run.
            on_report=lambda report: terminal.render(report, console),
            on_checked=lambda checked: print_delivery(checked.delivery),
        )
    )
    typer.echo("")
    for line in result.lines():
        typer.echo(line)
    raise typer.Exit(result.exit_code)
