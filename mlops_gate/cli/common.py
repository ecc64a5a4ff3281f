"""What every command of the CLI shares: loading the policy once, one line per problem (exit 2),
a short note and a private traceback file for a bug (exit 3), and printing safely."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer

from mlops_gate import paths
from mlops_gate.errors import ExitCode, MlopsGateError

if TYPE_CHECKING:
    from rich.console import Console

    from mlops_gate.commands.delivery import Delivery
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.report import CheckReport

T = TypeVar("T")


def make_console(*, stderr: bool = False) -> Console:
    """stdout (stderr when stdout carries a SARIF log); in CI logs (not a terminal) wide enough
    that the gate table does not wrap."""
    from rich.console import Console

    console = Console(highlight=False, stderr=stderr)
    if not console.is_terminal:
        console = Console(highlight=False, stderr=stderr, width=max(console.width, 120))
    return console


def print_delivery(delivery: Delivery) -> None:
    """What posting and the Actions files said: one line each, on stderr, never a traceback
    (each made safe to print by `safe_line`)."""
    for line in delivery.warnings:
        typer.echo(f"warning: {safe_line(line)}", err=True)
    for line in delivery.errors:
        typer.echo(f"error: {safe_line(line)}", err=True)
    if delivery.comment_url:
        typer.echo(f"posted: {safe_line(delivery.comment_url)}", err=True)


def load(policy: Path, on_problems: Callable[[list[str]], None] | None = None) -> LoadedPolicy:
    """The policy, read and validated once for the whole command; `on_problems` also gets the
    problem lines of a policy that does not load (check: the SARIF log)."""
    from mlops_gate.errors import PolicyError
    from mlops_gate.gates.registry import load_policy

    def load() -> LoadedPolicy:
        try:
            return load_policy(policy)
        except PolicyError as exc:
            _annotate_policy(exc.problems, str(policy))
            if on_problems is not None:
                on_problems(exc.problems)
            raise

    return guarded(load)


def _annotate_policy(problems: list[str], file: str) -> None:
    """In GitHub Actions, each policy problem also as an `::error file=,line=,col=` annotation
    and the job summary a table of them (issue 17, item 3); the `error:` lines follow on stderr."""
    import os

    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from mlops_gate.github.policy_problems import report_policy_problems

    for line in report_policy_problems(problems, file):
        typer.echo(f"warning: {safe_line(line)}", err=True)


def guarded(action: Callable[[], T]) -> T:
    """Run `action`; user errors become one line per problem and exit 2, bugs a short note and exit 3."""
    try:
        return action()
    except MlopsGateError as exc:
        fail(str(exc).splitlines(), exc.exit_code)
    except KeyboardInterrupt:
        fail(["interrupted"], ExitCode.UNDECIDED)
    except Exception:
        _crash()


def fail(lines: list[str], code: int = ExitCode.UNDECIDED) -> NoReturn:
    for line in lines:
        typer.echo(f"error: {safe_line(line)}", err=True)
    raise typer.Exit(int(code))


def safe_line(text: str) -> str:
    """One printed line (issue 13, items 5-6): no configured secret, and control, bidi and
    line-break characters from data shown as `\\x1b`-style text, so nothing in it can colour
    the terminal or begin a line of its own (a forged `::error` command in GitHub Actions)."""
    from mlops_gate.registry.redact import redact_known
    from mlops_gate.render.escape import visible

    return visible(redact_known(text))


def run_notes(report: CheckReport) -> list[str]:
    """What an advisory (`--exit-zero`) or selected (`--select`) run says before its final line."""
    from mlops_gate.results import ADVISORY_NOTE, SELECTED_NOTE

    return [ADVISORY_NOTE] * report.advisory + [SELECTED_NOTE] * bool(report.selected)


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
    import tempfile

    from mlops_gate.fsutil import make_folders

    for where in ("work tree", "user cache"):
        try:
            if where == "work tree":
                root, below = Path.cwd(), paths.LOGS
            else:
                xdg = os.environ.get("XDG_CACHE_HOME", "")
                root = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
                below = Path("mlops-gate", "logs")
            folder = make_folders(below, mode=0o700, root=root)
            fd, name = tempfile.mkstemp(prefix="crash-", suffix=".log", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(detail)
            return name
        except (OSError, RuntimeError):  # RuntimeError: Path.home() without a home
            continue
    return "not written (no private folder for it)"
