"""The one place a command's exit code is decided from its result and its side effects.

DESIGN.md, "Exit codes": the gates' verdict gives 0 (pass), 1 (fail), 2 (could not decide) or
3 (a bug). A side effect the user asked for and that failed (posting the PR comment, recording
the run in the registry) makes a *pass* undecided (2): the pass cannot be acted upon as asked. A
failure stays 1 (failure wins over error), and 2 and 3 stay what they are. Every command, and
every line that prints "exit N", takes its number from `final_exit_code`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mlops_gate.errors import ExitCode


@dataclass(frozen=True)
class SideEffect:
    """Something a command did beside judging: `ok` or not, and whether the user required it."""

    what: str
    ok: bool
    required: bool = True
    message: str = ""


def final_exit_code(
    verdict: int, effects: Iterable[SideEffect] = (), *, advisory: bool = False
) -> int:
    """The command's exit code: the verdict's, except that a failed required effect turns a
    pass into 2. `advisory` (`check --exit-zero`, issue 17): 0 for every verdict and effect,
    except a bug (3), which no mode hides."""
    if advisory:
        return int(ExitCode.INTERNAL) if verdict == ExitCode.INTERNAL else int(ExitCode.PASS)
    failed = any(effect.required and not effect.ok for effect in effects)
    if failed and verdict == ExitCode.PASS:
        return int(ExitCode.UNDECIDED)
    return int(verdict)
