"""The policy file: models, loading with positions, and error formatting."""

from mlops_gate.policy.loader import LoadedPolicy, load_policy
from mlops_gate.policy.model import Policy, policy_model

__all__ = ["LoadedPolicy", "Policy", "load_policy", "policy_model"]
