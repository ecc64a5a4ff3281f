"""`mlops-gate init`, `validate`, `schema` and `report`: set up, check a policy, re-render."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlops_gate.cli.app import COMMANDS, PolicyArg, app, timeout_of
from mlops_gate.cli.common import fail, guarded, load, print_delivery, run_notes, safe_line


@app.command(short_help=COMMANDS["validate"])
def validate(
    policy: PolicyArg = Path("mlops-gate.yaml"),
    offline: Annotated[
        bool, typer.Option(help="Do not check that the files it names exist.")
    ] = False,
) -> None:
    """Check POLICY without running any gate: syntax, keys, types, and that its files exist."""
    from mlops_gate.commands.validate import validate as command

    loaded = load(policy)
    problems = guarded(lambda: command(loaded, offline=offline))
    if problems:
        fail(problems)
    gates = ", ".join(loaded.gate_ids)
    typer.echo(f"{policy}: valid ({len(loaded.gate_ids)} gates: {gates})")


@app.command(short_help=COMMANDS["schema"])
def schema() -> None:
    """Print the policy JSON Schema (point your editor's YAML plugin at it)."""
    from mlops_gate.commands.schema import schema as command

    typer.echo(command(), nl=False)


@app.command(short_help=COMMANDS["init"])
def init(
    path: PolicyArg = Path("mlops-gate.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    github: Annotated[
        bool,
        typer.Option(
            "--github", help="Also write the sample workflow .github/workflows/model-gate.yml."
        ),
    ] = False,
) -> None:
    """Write a commented starter policy with the classic thresholds (and the GitHub workflow)."""
    from mlops_gate.commands.init import init as command

    policy, *workflow = guarded(lambda: command(path, force=force, github=github))
    typer.echo(f"wrote {policy}: edit the paths, then run `mlops-gate validate {policy}`")
    for written in workflow:
        typer.echo(f"wrote {written}: replace <owner> in its `uses:` line, then commit it")


@app.command("report", short_help=COMMANDS["report"])
def report_command(
    ctx: typer.Context,
    results: Annotated[Path, typer.Argument(help="A results JSON written by `check --json`.")],
    github: Annotated[
        bool, typer.Option("--github", help="Post the sticky PR comment and the check run.")
    ] = False,
    html: Annotated[
        Path | None, typer.Option(help="Write the self-contained HTML report here.")
    ] = None,
    markdown: Annotated[Path | None, typer.Option(help="Write a Markdown report here.")] = None,
    junit: Annotated[Path | None, typer.Option(help="Write JUnit XML here.")] = None,
    pr: Annotated[
        int | None, typer.Option(help="Pull request number (default: from the Actions event).")
    ] = None,
    sha: Annotated[
        str | None, typer.Option(help="Commit for the check run (default: from the Actions event).")
    ] = None,
) -> None:
    """Re-render or post a report from a results JSON (e.g. `--github` for the PR comment)."""
    from mlops_gate.commands.check import Outputs
    from mlops_gate.commands.report import report as command

    outputs = Outputs(markdown=markdown, junit=junit, html=html, evidence=None)
    timeout = timeout_of(ctx)
    result = guarded(
        lambda: command(results, outputs, github=github, pr_number=pr, sha=sha, timeout=timeout)
    )
    print_delivery(result.delivery)
    for note in run_notes(result.report):
        typer.echo(f"note: {note}")
    name = safe_line(result.report.policy_name)  # from a file: made safe to print
    typer.echo(f"{result.report.verdict} {name} (exit {result.exit_code})")
    raise typer.Exit(result.exit_code)
