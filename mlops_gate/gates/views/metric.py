"""The `metric` gate's report pieces: what reports/pieces.py finds through the gate's `VIEW`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_gate.results import GateResult


def charts(result: GateResult) -> list[str]:
    """The value with its confidence interval, against the champion and the threshold."""
    from mlops_gate.render import svg
    from mlops_gate.render.charts_common import CHAMPION, COLORS, CURRENT, limit_rule, num

    if result.value is None:
        return []
    low, high = num(result.details.get("ci_low")), num(result.details.get("ci_high"))
    rows: list[tuple[str, float, float | None, float | None, str]] = [
        ("this model", result.value, low, high, COLORS.get(result.verdict, CURRENT))
    ]
    if result.baseline_value is not None:
        rows.append(("champion", result.baseline_value, None, None, CHAMPION))
    rules = limit_rule("threshold", result.threshold)
    interval = " with its confidence interval" if low is not None and high is not None else ""
    return [svg.intervals(f"{result.id}{interval}, against the champion", rows, rules)]


def facts(result: GateResult) -> list[str]:
    """The confidence interval's bounds as numbers (the chart shows them only as a bar)."""
    from mlops_gate.render.formatting import number

    low, high = result.details.get("ci_low"), result.details.get("ci_high")
    if isinstance(low, int | float) and isinstance(high, int | float):
        return [f"confidence interval {number(float(low))} to {number(float(high))}"]
    return []
