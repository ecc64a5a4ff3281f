"""Number formatting shared by every report, so the terminal and the PR comment agree."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlops_gate.results import GateResult, Verdict

if TYPE_CHECKING:
    from mlops_gate.report import VariantResult

VERDICT_ICONS = {
    Verdict.PASS: "✅",
    Verdict.WARN: "⚠️",
    Verdict.FAIL: "❌",
    Verdict.ERROR: "⛔",
    Verdict.SKIP: "⏭️",
}


# Reading order of gates in a report: what needs a reviewer's attention first.
SEVERITY = {Verdict.FAIL: 0, Verdict.ERROR: 1, Verdict.WARN: 2, Verdict.PASS: 3, Verdict.SKIP: 4}


def by_severity(gates: list[GateResult]) -> list[GateResult]:
    """`gates` failing and erroring first, then warn, pass and skip (policy order within each)."""
    return sorted(gates, key=lambda gate: SEVERITY.get(gate.verdict, 5))


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


VARIANTS_NOTE = "Every artifact is gated (check --artifacts): a failing variant fails the check."


def variant_header(variant: VariantResult) -> str:
    """A variant's column title: its name and a short sha256 (`int8 · 3f2a9c01b7d4`)."""
    return f"{variant.variant} · {variant.sha256[:12]}"


def variant_cell(variant: VariantResult, gate: GateResult, first: bool) -> str:
    """A gate's value and verdict on one variant; a data-only gate shows once, then `same`."""
    if gate.id in variant.shared and not first:
        return "same"
    return f"{measured(gate, gate.value)} {gate.verdict.value}"


def variant_problems(variants: list[VariantResult]) -> list[tuple[str, GateResult]]:
    """(variant, gate) for every non-passing model gate of a quantized variant, with a message."""
    return [
        (variant.variant, gate)
        for variant in variants[1:]
        for gate in variant.gates
        if gate.id not in variant.shared and gate.verdict is not Verdict.PASS and gate.message
    ]


def variants_summary(variants: list[VariantResult]) -> str:
    """`2 artifacts gated, failing: int8` (empty without `check --artifacts`)."""
    if not variants:
        return ""
    bad = [v.variant for v in variants if v.verdict != "pass"]
    tail = f"not passing: {', '.join(bad)}" if bad else "all pass"
    return f"{len(variants)} artifacts gated, {tail}"
