"""Number formatting shared by every report, so the terminal and the PR comment agree."""

from __future__ import annotations

import math

from mlops_gate.results import GateResult, Verdict

VERDICT_ICONS = {
    Verdict.PASS: "✅",
    Verdict.WARN: "⚠️",
    Verdict.FAIL: "❌",
    Verdict.ERROR: "⛔",
    Verdict.SKIP: "⏭️",
}


def number(value: float | None) -> str:
    if value is None:
        return "—"
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:.4g}" if magnitude < 100 else f"{value:.1f}"
    return f"{value:.4f}" if magnitude >= 1e-3 else f"{value:.2e}"


def measured(gate: GateResult, value: float | None) -> str:
    """A gate's value with its unit (`0.0316 ms`, `0.0568 MB`) when the gate declares one."""
    unit = gate.details.get("unit")
    text = number(value)
    return f"{text} {unit}" if unit and value is not None else text


def delta(gate: GateResult) -> str:
    if gate.value is None or gate.baseline_value is None:
        return "—"
    diff = gate.value - gate.baseline_value
    return ("+" if diff > 0 else "") + number(diff)


def threshold(gate: GateResult) -> str:
    if gate.threshold is None:
        return "—"
    comparator = gate.details.get("comparator", "")
    return f"{comparator} {measured(gate, gate.threshold)}".strip()


def counts(gates: list[GateResult]) -> str:
    tally: dict[str, int] = {}
    for gate in gates:
        tally[gate.verdict.value] = tally.get(gate.verdict.value, 0) + 1
    order = [v.value for v in Verdict]
    return ", ".join(f"{tally[v]} {v}" for v in order if v in tally)
