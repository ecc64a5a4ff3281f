"""`mlops-gate promote` and `history`: the registry alias, moved only on passing evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlops_gate.cli.app import COMMANDS, EVIDENCE, PolicyArg, TimeoutOpt, app, timeout_of
from mlops_gate.cli.common import fail, guarded, load


@app.command(short_help=COMMANDS["promote"])
def promote(
    ctx: typer.Context,
    policy: PolicyArg = Path("mlops-gate.yaml"),
    rollback: Annotated[
        bool, typer.Option("--rollback", help="Give the alias back to the version it replaced.")
    ] = False,
    evidence: Annotated[Path, typer.Option(help="Evidence file written by check.")] = EVIDENCE,
    reason: Annotated[str | None, typer.Option(help="Why (recorded in the history).")] = None,
    alias: Annotated[
        str | None,
        typer.Option(
            help="With --rollback: another alias of the model, e.g. production (moved by deploy) "
            "(default: promote.alias)."
        ),
    ] = None,
    timeout: TimeoutOpt = None,
) -> None:
    """Move the registry alias/stage to the checked model, only with passing, matching evidence."""
    from mlops_gate.commands import promote as command

    limit = timeout_of(ctx, timeout)
    if alias is not None and not rollback:
        fail(["--alias is for --rollback: promote moves promote.alias, deploy moves its alias"])
    loaded = load(policy)
    if rollback:
        result = guarded(
            lambda: command.rollback(loaded, timeout=limit, reason=reason, alias=alias)
        )
    else:
        result = guarded(lambda: command.promote(loaded, evidence, timeout=limit, reason=reason))
    typer.echo(result.summary())
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)


@app.command(short_help=COMMANDS["history"])
def history(
    ctx: typer.Context,
    policy: PolicyArg = Path("mlops-gate.yaml"),
    alias: Annotated[
        str | None,
        typer.Option(
            help="Another alias of the model, e.g. production (moved by deploy) "
            "(default: promote.alias)."
        ),
    ] = None,
    timeout: TimeoutOpt = None,
) -> None:
    """Which version held the alias when, who moved it and why (recorded on the registered model)."""
    from mlops_gate.commands.history import history as command

    limit = timeout_of(ctx, timeout)
    loaded = load(policy)
    view = guarded(lambda: command(loaded, timeout=limit, alias=alias))
    for line in view.lines():
        typer.echo(line)
