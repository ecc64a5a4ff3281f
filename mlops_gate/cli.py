"""The `mlops-gate` command line: parse arguments, load the policy once, call the command
(`mlops_gate.commands`), print what it returns, exit with the exit code it decided.

Nothing heavy is imported here: `mlops-gate --help` must stay fast (tests/unit/test_startup.py).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from mlops_gate import __version__, paths
from mlops_gate.commands.recording import RecordMode  # standard library only: --help stays fast
from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.deploy.targets import target_names  # standard library only: --help stays fast
from mlops_gate.errors import ExitCode, MlopsGateError

if TYPE_CHECKING:
    from rich.console import Console

    from mlops_gate.commands.delivery import Delivery
    from mlops_gate.commands.run import Stage
    from mlops_gate.policy.loader import LoadedPolicy

app = typer.Typer(
    name="mlops-gate",
    help="Declarative quality gates for ML models: no model ships unless it passes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

T = TypeVar("T")
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
        typer.Option("--timeout", min=1, help="Seconds any registry work may take, in all."),
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


def _timeout(ctx: typer.Context, override: float | None = None) -> float:
    """The command's own --timeout, else the global one."""
    if override is not None:
        return override
    return float((ctx.obj or {}).get("timeout", DEFAULT_TIMEOUT_S))


@app.command()
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
            help="Gates evaluated at once (default: the CPUs, at most 2; latency always alone).",
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
) -> None:
    """Evaluate every gate of POLICY. Exit 0 pass, 1 a gate failed, 2 could not decide, 3 internal error."""
    from rich.console import Console

    from mlops_gate.commands.check import CheckRequest, Outputs
    from mlops_gate.commands.check import check as check_command
    from mlops_gate.reports import terminal

    console = _console()
    progress = (
        None
        if quiet or not sys.stderr.isatty()
        else terminal.TerminalProgress(Console(stderr=True))
    )
    loaded = _load(policy)
    request = CheckRequest(
        outputs=Outputs(
            json=json_path, junit=junit, markdown=markdown, evidence=evidence, html=html
        ),
        progress=progress,
        timeout=_timeout(ctx),
        use_cache=not no_cache,
        artifacts=artifacts,
        jobs=jobs,
        comment=comment,
        record=record,
    )
    # The table is printed before recording and posting; inside GitHub Actions the ::error and
    # ::warning lines follow it on stdout. The final line carries the final exit code.
    on_report = None if quiet else (lambda report: terminal.render(report, console))
    result = _guarded(lambda: check_command(loaded, request, on_report))
    _print_delivery(result.delivery)
    if result.recorded and not quiet:
        typer.echo(result.recorded.line())
    if quiet:
        console.print(
            f"{result.report.verdict} {result.report.policy_name} (exit {result.exit_code})"
        )
    else:
        terminal.final_line(result.report, console, result.exit_code)
    raise typer.Exit(result.exit_code)


@app.command()
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

    limit = _timeout(ctx, timeout)
    if alias is not None and not rollback:
        _fail(["--alias is for --rollback: promote moves promote.alias, deploy moves its alias"])
    loaded = _load(policy)
    if rollback:
        result = _guarded(
            lambda: command.rollback(loaded, timeout=limit, reason=reason, alias=alias)
        )
    else:
        result = _guarded(lambda: command.promote(loaded, evidence, timeout=limit, reason=reason))
    typer.echo(result.summary())
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)


@app.command()
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

    limit = _timeout(ctx, timeout)
    loaded = _load(policy)
    view = _guarded(lambda: command(loaded, timeout=limit, alias=alias))
    for line in view.lines():
        typer.echo(line)


@app.command()
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

    loaded = _load(policy)
    limit = _timeout(ctx)
    result = _guarded(
        lambda: command(
            loaded, out, force=force, push=push, image=image, evidence=evidence, timeout=limit
        )
    )
    for line in result.lines:
        typer.echo(line)


@app.command()
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

    limit = _timeout(ctx, timeout)
    if target is not None and target not in target_names():
        _fail([f"--target must be one of {', '.join(target_names())}, not '{target}'"])
    asked = (("status", status), ("abort", abort), ("promote-now", promote_now))
    actions = [name for name, on in asked if on]
    if len(actions) > 1:
        _fail([f"use one of --status, --abort, --promote-now (got {', '.join(actions)})"])
    loaded = _load(policy)
    if actions == ["status"]:
        status_lines = _guarded(
            lambda: command.status(loaded, evidence, target=target, timeout=limit)
        )
        for line in status_lines:
            typer.echo(line)
        return
    if actions:
        action = actions[0]
        typer.echo(
            _guarded(
                lambda: command.control(loaded, action, evidence, target=target, timeout=limit)
            )
        )
        return
    outcome = _guarded(
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


@app.command("run")
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

    limit = _timeout(ctx, timeout)
    outputs = Outputs(json=json_path, junit=junit, markdown=markdown, html=html)
    console = _console()
    progress = terminal.TerminalProgress(Console(stderr=True)) if sys.stderr.isatty() else None
    loaded = _load(policy)

    def stage_line(stage: Stage) -> None:
        # Live, on stderr with the canary's progress; the summary table below goes to stdout.
        detail = f": {stage.detail}" if stage.detail else ""
        typer.echo(f"{stage.name}: {stage.status}{detail}", err=True)

    result = _guarded(
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
            on_checked=lambda checked: _print_delivery(checked.delivery),
        )
    )
    typer.echo("")
    for line in result.lines():
        typer.echo(line)
    raise typer.Exit(result.exit_code)


@app.command("report")
def report_command(
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
    result = _guarded(lambda: command(results, outputs, github=github, pr_number=pr, sha=sha))
    _print_delivery(result.delivery)
    typer.echo(f"{result.report.verdict} {result.report.policy_name} (exit {result.exit_code})")
    raise typer.Exit(result.exit_code)


def _console() -> Console:
    """stdout; in CI logs (not a terminal) wide enough that the gate table does not wrap."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=max(console.width, 120))
    return console


def _print_delivery(delivery: Delivery) -> None:
    """What posting and the Actions files said: one line each, on stderr, never a traceback
    (each made safe to print by `_safe_line`)."""
    for line in delivery.warnings:
        typer.echo(f"warning: {_safe_line(line)}", err=True)
    for line in delivery.errors:
        typer.echo(f"error: {_safe_line(line)}", err=True)
    if delivery.comment_url:
        typer.echo(f"posted: {_safe_line(delivery.comment_url)}", err=True)


@app.command()
def validate(
    policy: PolicyArg = Path("mlops-gate.yaml"),
    offline: Annotated[
        bool, typer.Option(help="Do not check that the files it names exist.")
    ] = False,
) -> None:
    """Check POLICY without running any gate: syntax, keys, types, and that its files exist."""
    from mlops_gate.commands.validate import validate as command

    loaded = _load(policy)
    problems = _guarded(lambda: command(loaded, offline=offline))
    if problems:
        _fail(problems)
    gates = ", ".join(loaded.gate_ids)
    typer.echo(f"{policy}: valid ({len(loaded.gate_ids)} gates: {gates})")


@app.command()
def schema() -> None:
    """Print the policy JSON Schema (point your editor's YAML plugin at it)."""
    from mlops_gate.commands.schema import schema as command

    typer.echo(command(), nl=False)


@app.command()
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

    policy, *workflow = _guarded(lambda: command(path, force=force, github=github))
    typer.echo(f"wrote {policy}: edit the paths, then run `mlops-gate validate {policy}`")
    for written in workflow:
        typer.echo(f"wrote {written}: replace <owner> in its `uses:` line, then commit it")


def _load(policy: Path) -> LoadedPolicy:
    """The policy, read and validated once for the whole command."""
    from mlops_gate.gates.registry import load_policy

    return _guarded(lambda: load_policy(policy))


def _guarded(action: Callable[[], T]) -> T:
    """Run `action`; user errors become one line per problem and exit 2, bugs a short note and exit 3."""
    try:
        return action()
    except MlopsGateError as exc:
        _fail(str(exc).splitlines(), exc.exit_code)
    except KeyboardInterrupt:
        _fail(["interrupted"], ExitCode.UNDECIDED)
    except Exception:
        _crash()


def _fail(lines: list[str], code: int = ExitCode.UNDECIDED) -> NoReturn:
    for line in lines:
        typer.echo(f"error: {_safe_line(line)}", err=True)
    raise typer.Exit(int(code))


def _safe_line(text: str) -> str:
    """One printed line (issue 13, items 5-6): no configured secret, and control, bidi and
    line-break characters from data shown as `\\x1b`-style text, so nothing in it can colour
    the terminal or begin a line of its own (a forged `::error` command in GitHub Actions)."""
    from mlops_gate.registry.redact import redact_known
    from mlops_gate.render.escape import visible

    return visible(redact_known(text))


def _crash() -> NoReturn:
    detail = traceback.format_exc()
    log = _crash_log(detail)
    last = detail.strip().splitlines()[-1]
    typer.echo(f"internal error (a bug in mlops-gate): {last}\nfull traceback: {log}", err=True)
    raise typer.Exit(int(ExitCode.INTERNAL))


def _crash_log(detail: str) -> str:
    """Write the traceback to a new private file and say where (issue 14, item 4).

    A fixed name in /tmp followed a symlink planted there. `mkstemp` makes a fresh 0600 file
    (O_EXCL: never through an existing name) in `.mlops-gate/logs/`, else the user's cache
    folder; a folder on the way that is a symlink (the work tree is the pull request's) is skipped.
    """
    import os
    import stat
    import tempfile

    for where in ("work tree", "user cache"):
        try:
            if where == "work tree":
                folder, parts = Path.cwd(), paths.LOGS.parts
            else:
                xdg = os.environ.get("XDG_CACHE_HOME", "")
                folder = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
                parts = ("mlops-gate", "logs")
            for part in parts:
                folder = folder / part
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                if not stat.S_ISDIR(os.lstat(folder).st_mode):  # a symlink, a file
                    raise NotADirectoryError(folder)
            fd, name = tempfile.mkstemp(prefix="crash-", suffix=".log", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(detail)
            return name
        except (OSError, RuntimeError):  # RuntimeError: Path.home() without a home
            continue
    return "not written (no private folder for it)"


def main() -> None:
    app()
