"""`mlops-gate check`: the options, then the table, the chosen output format and the final line."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mlops_gate.cli.app import COMMANDS, EVIDENCE, PolicyArg, app, timeout_of
from mlops_gate.cli.common import (
    guarded,
    load,
    make_console,
    print_delivery,
    run_notes,
    safe_line,
)
from mlops_gate.commands.recording import RecordMode  # standard library only: --help stays fast

if TYPE_CHECKING:
    from rich.console import Console

    from mlops_gate.commands.check import CheckResult
    from mlops_gate.progress import Progress


class OutputFormat(StrEnum):
    """What `check` prints on stdout (issue 17, item 5)."""

    FULL = "full"
    GITHUB = "github"
    SARIF = "sarif"


@app.command(short_help=COMMANDS["check"])
def check(
    ctx: typer.Context,
    policy: PolicyArg = Path("mlops-gate.yaml"),
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the results JSON here.")
    ] = None,
    junit: Annotated[
        Path | None, typer.Option(help="Write JUnit XML here (one testcase per gate).")
    ] = None,
    markdown: Annotated[Path | None, typer.Option(help="Write a Markdown report here.")] = None,
    html: Annotated[
        Path | None, typer.Option(help="Write the self-contained HTML report here.")
    ] = None,
    evidence: Annotated[Path, typer.Option(help="Evidence file for promote/deploy.")] = EVIDENCE,
    comment: Annotated[
        bool,
        typer.Option(
            "--comment",
            help="Post the sticky PR comment and the check run (GITHUB_TOKEN); a failed post exits 2.",
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only the final verdict line.")
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache", help="Evaluate every gate, ignoring results stored by earlier runs."
        ),
    ] = False,
    artifacts: Annotated[
        Path | None,
        typer.Option(
            "--artifacts",
            help="A `build --out` folder: gate every artifact in its build.json (float and "
            "quantized variants); any failing variant fails the check.",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            max=64,
            help=(
                "Gates evaluated at once (default: 1; up to 2 where the eval set has 1,000,000+ "
                "rows; latency always alone)."
            ),
        ),
    ] = None,
    record: Annotated[
        RecordMode,
        typer.Option(
            "--record",
            help="Log the check as an MLflow run: auto (when the policy uses a registry; one "
            "warning line where it cannot), required (a pass that cannot be recorded exits 2), off.",
        ),
    ] = RecordMode.AUTO,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            "-k",
            metavar="GATE_ID_OR_TYPE",
            help="Run only this gate (its id, e.g. metric:f1) or every gate of this type (e.g. "
            "drift); repeatable. No evidence is written: a selection cannot promote.",
        ),
    ] = None,
    exit_zero: Annotated[
        bool,
        typer.Option(
            "--exit-zero",
            help="Advisory: report everything as usual but exit 0 whatever the verdict (a bug "
            "still exits 3); every output says so and no evidence is written.",
        ),
    ] = False,
    sarif: Annotated[
        Path | None,
        typer.Option(help="Write SARIF 2.1.0 here (GitHub code scanning: gates on policy lines)."),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--output-format",
            help="stdout: full (the table), github (::error/::warning workflow commands at the "
            "policy lines) or sarif (the SARIF log only; every other line goes to stderr).",
        ),
    ] = OutputFormat.FULL,
) -> None:
    """Evaluate every gate of POLICY. Exit 0 pass, 1 a gate failed, 2 could not decide, 3 internal error."""
    from mlops_gate.commands.check import CheckRequest, Outputs
    from mlops_gate.commands.check import check as check_command
    from mlops_gate.reports import terminal

    shown = output_format == OutputFormat.FULL and not quiet
    console = make_console(stderr=output_format == OutputFormat.SARIF)
    to_stdout = output_format == OutputFormat.SARIF
    loaded = load(policy, lambda problems: _sarif_problems(problems, policy, sarif, to_stdout))
    request = CheckRequest(
        outputs=Outputs(
            json=json_path,
            junit=junit,
            markdown=markdown,
            evidence=evidence,
            html=html,
            sarif=sarif,
        ),
        progress=_progress(quiet),
        timeout=timeout_of(ctx),
        use_cache=not no_cache,
        artifacts=artifacts,
        jobs=jobs,
        comment=comment,
        record=record,
        select=tuple(select or ()),
        exit_zero=exit_zero,
        # Inside Actions the workflow commands go to stdout, except when stdout is the SARIF log.
        actions_stream=sys.stderr if output_format == OutputFormat.SARIF else None,
    )
    # The table is printed before recording and posting; inside GitHub Actions the ::error and
    # ::warning lines follow it on stdout. The final line carries the final exit code.
    on_report = (lambda report: terminal.render(report, console)) if shown else None
    result = guarded(lambda: check_command(loaded, request, on_report))
    print_delivery(result.delivery)
    _show_check(result, output_format, quiet, console)
    raise typer.Exit(result.exit_code)


def _sarif_problems(problems: list[str], policy: Path, path: Path | None, stdout: bool) -> None:
    """A policy that does not load, as SARIF where `check` was asked for SARIF: code scanning
    then shows the broken line (and closes the alert once the policy is fixed)."""
    if path is None and not stdout:
        return
    from mlops_gate.fsutil import atomic_write_text
    from mlops_gate.policy.problems import parse_problems
    from mlops_gate.reports.sarif import render_problems

    log = render_problems(parse_problems(problems, str(policy)), str(policy))
    if path is not None:
        atomic_write_text(path, log)
    if stdout:
        typer.echo(log, nl=False)


def _progress(quiet: bool) -> Progress | None:
    """The live gate list on stderr, for a person at a terminal only."""
    if quiet or not sys.stderr.isatty():
        return None
    from rich.console import Console

    from mlops_gate.reports import terminal

    return terminal.TerminalProgress(Console(stderr=True))


def _show_check(result: CheckResult, fmt: OutputFormat, quiet: bool, console: Console) -> None:
    """After the table: the format's own output, the recorded run, the advisory and selection
    notes, and the final line (which carries the command's exit code)."""
    from mlops_gate.github.actions import in_actions, workflow_commands
    from mlops_gate.github.context import repo_path
    from mlops_gate.reports import terminal
    from mlops_gate.reports.registry import render

    report = result.report
    if fmt == OutputFormat.GITHUB and not in_actions():  # in Actions, check printed them already
        for line in workflow_commands(report, repo_path(report.policy_path, None)):
            typer.echo(line)
    if fmt == OutputFormat.SARIF:
        typer.echo(render("sarif", report), nl=False)
    if result.recorded and not quiet:
        console.print(result.recorded.line(), soft_wrap=True, markup=False)
    for note in run_notes(report):
        console.print(f"note: {note}", soft_wrap=True, markup=False)
    if quiet:
        name = safe_line(report.policy_name)  # the policy's: no markup, no control characters
        console.print(f"{report.verdict} {name} (exit {result.exit_code})", markup=False)
    else:
        terminal.final_line(report, console, result.exit_code)
