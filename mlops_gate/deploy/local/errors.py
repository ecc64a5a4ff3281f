"""The one error type of the local canary: a problem the user can act on (exit 2, one line)."""

from __future__ import annotations

from mlops_gate.errors import MlopsGateError


class DeployError(MlopsGateError):
    """The canary could not start or could not be controlled (busy state dir, a server that
    never became ready, no running canary to abort, ...)."""


def not_started(problem: object) -> str:
    """How a canary that never started is said: in its outcome, and in the registry's tags of a
    deploy refused before its canary could start."""
    return f"the canary did not start: {problem}"
