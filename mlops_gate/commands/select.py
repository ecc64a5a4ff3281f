"""`check --select GATE_ID_OR_TYPE` (issue 17, item 5): run some of the policy's gates.

A selector names a gate id (`metric:f1`, `drift#2`, an explicit `id:`) or a gate type (`drift`,
every drift gate). The policy is still read and validated whole; the selected gates run as the
same `LoadedPolicy` with fewer gates, and their `policy_line` is set back to the line of the
gate in the file. A selection is never passing evidence: `check` writes none for it.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mlops_gate.errors import InputError

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.results import GateResult


def selected_indexes(loaded: LoadedPolicy, selectors: Sequence[str]) -> list[int]:
    """The policy indexes of the gates the selectors name, in policy order; an `InputError`
    (exit 2) naming every selector that matches no gate, with the valid ids and types."""
    gates = loaded.policy.gates
    unknown = [
        name
        for name in selectors
        if not any(
            name in (gate_id, gate.type)
            for gate_id, gate in zip(loaded.gate_ids, gates, strict=False)
        )
    ]
    if unknown:
        raise InputError("\n".join(_unknown(name, loaded) for name in unknown))
    wanted = set(selectors)
    return [
        index
        for index, (gate_id, gate) in enumerate(zip(loaded.gate_ids, gates, strict=True))
        if gate_id in wanted or gate.type in wanted
    ]


def _unknown(name: str, loaded: LoadedPolicy) -> str:
    ids = list(loaded.gate_ids)
    types = sorted({gate.type for gate in loaded.policy.gates})
    close = difflib.get_close_matches(name, ids + types, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return (
        f"--select '{name}' matches no gate of {loaded.path}{hint}; "
        f"gate ids: {', '.join(ids) or '(none)'}; gate types: {', '.join(types) or '(none)'}"
    )


def select_gates(loaded: LoadedPolicy, selectors: Sequence[str]) -> LoadedPolicy:
    """`loaded` with only the selected gates (ids kept); unchanged when nothing is selected."""
    if not selectors:
        return loaded
    indexes = selected_indexes(loaded, selectors)
    gates = [loaded.policy.gates[index] for index in indexes]
    return dataclasses.replace(
        loaded,
        policy=loaded.policy.model_copy(update={"gates": gates}),
        gate_ids=tuple(loaded.gate_ids[index] for index in indexes),
    )


def with_policy_lines(results: list[GateResult], whole: LoadedPolicy) -> list[GateResult]:
    """Each result's `policy_line` from the whole policy (the selection renumbered the gates)."""
    lines = {gate_id: whole.gate_line(index) for index, gate_id in enumerate(whole.gate_ids)}
    return [
        dataclasses.replace(result, policy_line=lines.get(result.id, result.policy_line))
        for result in results
    ]
