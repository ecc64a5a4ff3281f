"""What the gate types' charts share: verdict colours, series colours, reading numbers from details.

Details may come from an older results JSON, so a value that is not a finite number reads as
missing (`num`), and a list with any such value as empty (`nums`): a half-drawn chart misleads.
"""

from __future__ import annotations

import math
from typing import Any

from mlops_gate.render.svg import Rule
from mlops_gate.results import Verdict

COLORS = {
    Verdict.PASS: "#2e7d32",
    Verdict.WARN: "#ef6c00",
    Verdict.FAIL: "#c62828",
    Verdict.ERROR: "#6a1b9a",
    Verdict.SKIP: "#9e9e9e",
}
REFERENCE, CURRENT, CHAMPION = "#90a4ae", "#1565c0", "#6d4c41"


def num(value: Any) -> float | None:
    """`value` as a float if it is a finite number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def nums(values: Any) -> list[float]:
    """The numbers of a list; empty if any entry is not a finite number."""
    if not isinstance(values, list):
        return []
    numbers = [num(v) for v in values]
    return [n for n in numbers if n is not None] if all(n is not None for n in numbers) else []


def limit_rule(label: str, value: float | None) -> list[Rule]:
    """The fail-coloured reference line at a gate's threshold, if it has one."""
    return [] if value is None else [Rule(label, value, COLORS[Verdict.FAIL])]
