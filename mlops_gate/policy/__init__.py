"""The policy document: YAML with positions, `${ENV}` substitution, the pydantic section models,
and `file:line:col` problems. The gate types are not imported here: `mlops_gate.gates.registry`
gives the loader every registered type (`load_policy`), so the document sits below the gates.
"""

from mlops_gate.policy.loader import LoadedPolicy, parse_policy
from mlops_gate.policy.model import Policy, policy_model_for

__all__ = ["LoadedPolicy", "Policy", "parse_policy", "policy_model_for"]
