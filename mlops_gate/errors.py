"""Errors and exit codes shared by every command (DESIGN.md, "Exit codes")."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    PASS = 0
    FAIL = 1
    UNDECIDED = 2
    INTERNAL = 3


class MlopsGateError(Exception):
    """A problem the user can fix: printed as one line, never with a traceback (exit 2)."""

    exit_code = ExitCode.UNDECIDED


class PolicyError(MlopsGateError):
    """An invalid policy file; carries every problem, each already formatted as `file:line:col: ...`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class InputError(MlopsGateError):
    """A model or data file that is missing, unreadable, refused or unusable."""


class GateError(MlopsGateError):
    """A gate could not reach a decision (NaN input, a single class, a missing device, ...).

    Raised inside a gate's `evaluate`; the runner turns it into an `error` verdict.
    """


class PromotionRefused(MlopsGateError):
    """The evidence does not allow shipping this (verdict, hashes, policy, baseline, lock)."""


class DependencyError(MlopsGateError):
    """An optional dependency the command needs is not installed."""
