"""The policy file: models, loading with positions, and error formatting.

Names are imported lazily: gate modules import `mlops_gate.policy.strict`, and the loader imports
the gates, so an eager import here would make the two packages depend on each other's import order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy, load_policy
    from mlops_gate.policy.model import Policy, policy_model

__all__ = ["LoadedPolicy", "Policy", "load_policy", "policy_model"]


def __getattr__(name: str) -> Any:
    if name in ("LoadedPolicy", "load_policy"):
        from mlops_gate.policy import loader

        return getattr(loader, name)
    if name in ("Policy", "policy_model"):
        from mlops_gate.policy import model

        return getattr(model, name)
    raise AttributeError(name)
