"""Registry errors: each is a one-line, exit-2 `MlopsGateError` (DESIGN.md "Exit codes")."""

from __future__ import annotations

from mlops_gate.errors import MlopsGateError, PromotionRefused

__all__ = [
    "BaselineMoved",
    "PromotionRefused",
    "RegistryConflict",
    "RegistryError",
    "RegistryMissing",
]


class RegistryError(MlopsGateError):
    """The registry could not be reached, timed out, or answered with an error."""


class BaselineMoved(PromotionRefused):
    """The champion changed since the check or while waiting: the evidence compared another."""


class RegistryMissing(Exception):
    """Internal: the registry says the object does not exist (the caller decides what it means)."""


class RegistryConflict(Exception):
    """Internal: the object already exists (the lock's atomic create lost)."""
