"""A finished report on GitHub, for `check`, `run` and `report`: post it, then feed Actions.

The post (when asked) is a side effect; the exit code is decided from the verdict and every side
effect (`commands.outcome`), and only then are the Actions outputs written, with that final code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from mlops_gate.commands.outcome import SideEffect, final_exit_code
from mlops_gate.report import CheckReport


@dataclass(frozen=True)
class Delivery:
    """The command's exit code, and the lines to print on stderr (`warning: `/`error: ` first)."""

    exit_code: int
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    comment_url: str | None = None


def deliver(
    report: CheckReport,
    *,
    comment: bool = False,
    in_actions: bool = True,
    report_path: Path | str | None = None,
    pr_number: int | None = None,
    sha: str | None = None,
    effects: Iterable[SideEffect] = (),
    env: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
    timeout: float | None = None,
) -> Delivery:
    """Post when `comment`; then, in Actions (unless `in_actions=False`, as for `report`, which
    would append the job summary twice), summary, outputs and annotations with the final exit
    code. `effects` are the command's earlier side effects (recording the run); `timeout` bounds the
    whole post (the command's --timeout)."""
    effects = list(effects)
    # A failed effect the user did not require (`--record auto`) is a warning: it changes no code.
    warnings: list[str] = [e.message for e in effects if e.message and (e.ok or not e.required)]
    errors: list[str] = [e.message for e in effects if e.message and e.required and not e.ok]
    url = None
    if comment:
        from mlops_gate.github.deliver import post

        posting = post(report, pr_number=pr_number, sha=sha, env=env, timeout=timeout)
        warnings += posting.warnings
        errors += posting.errors
        url = posting.comment_url
        effects.append(SideEffect("post the report", posting.ok))
    code = final_exit_code(report.exit_code, effects, advisory=report.advisory)
    if in_actions:
        from mlops_gate.github.deliver import feed_actions

        warnings += feed_actions(
            report, code, report_path=str(report_path or ""), env=env, stream=stream
        )
    return Delivery(code, tuple(warnings), tuple(errors), url)
