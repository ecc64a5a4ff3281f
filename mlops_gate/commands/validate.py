"""`mlops-gate validate`: the policy without running a gate: syntax, keys, types, its files."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy


def validate(loaded: LoadedPolicy, *, offline: bool = False) -> list[str]:
    """One line per problem with the files the policy reads (none when `offline`); loading the
    policy already refused everything else."""
    from mlops_gate.engine.inputs import missing_inputs

    return [] if offline else missing_inputs(loaded)
