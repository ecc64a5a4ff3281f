"""The PR comment's gate table: only the columns some gate fills, and no filler dashes.

A column no gate has a value for (no champion on a first run, no threshold on any gate) is left
out; a gate without a value in a kept column gets an empty cell, not "—", so the eye lands on the
numbers that exist. The caller orders the gates (failing first).
"""

from __future__ import annotations

from mlops_gate.render.escape import markdown_text
from mlops_gate.render.formatting import VERDICT_ICONS, delta, measured, threshold
from mlops_gate.results import GateResult

HEADER = ("gate", "value", "threshold", "champion", "Δ", "verdict")
ALIGN = ("---", "---:", "---:", "---:", "---:", "---")


def _cells(gate: GateResult) -> tuple[str, ...]:
    def blank(text: str) -> str:
        return "" if text == "—" else text

    return (
        markdown_text(gate.id),
        blank(measured(gate, gate.value)),
        blank(markdown_text(threshold(gate))),
        blank(measured(gate, gate.baseline_value)),
        blank(delta(gate)),
        f"{VERDICT_ICONS[gate.verdict]} {gate.verdict.value}",
    )


def gate_table(gates: list[GateResult]) -> list[str]:
    """Markdown table lines for `gates`, in the order given, empty columns left out."""
    rows = [_cells(gate) for gate in gates]
    keep = [i for i in range(len(HEADER)) if i in (0, 5) or any(row[i] for row in rows)]
    return [
        "| " + " | ".join(HEADER[i] for i in keep) + " |",
        "|" + "|".join(ALIGN[i] for i in keep) + "|",
        *("| " + " | ".join(row[i] for i in keep) + " |" for row in rows),
    ]
