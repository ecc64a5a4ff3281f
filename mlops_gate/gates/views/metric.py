"""The `metric` gate's report pieces: what reports/pieces.py finds through the gate's `VIEW`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_gate.render.pieces import Breakdown, Points
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
    title = f"{result.id}{interval}" + (", against the champion" if len(rows) > 1 else "")
    from mlops_gate.gates.views.metric_curves import charts as curves

    return [svg.intervals(title, rows, rules), *_slices_chart(result), *curves(result)]


CHART_SLICES = 30  # slices drawn (the breakdown table has them all)
SLICE_FIELDS = ("rows", "value", "ci_low", "ci_high", "baseline_value", "delta", "verdict")


def _slices(result: GateResult) -> list[dict[str, Any]]:
    """The recorded slices, the failing and erroring first (their recorded order otherwise)."""
    entries = result.details.get("slices")
    if not isinstance(entries, list):
        return []
    found = [e for e in entries if isinstance(e, dict)]
    rank = {"fail": 0, "error": 1, "pass": 2, "skip": 3}
    return sorted(found, key=lambda e: rank.get(str(e.get("verdict")), 4))


def _slices_chart(result: GateResult) -> list[str]:
    """Each checked slice's value and interval against the threshold, worst first."""
    from mlops_gate.render import svg
    from mlops_gate.render.charts_common import COLORS, CURRENT, limit_rule, num
    from mlops_gate.results import Verdict

    rows: list[tuple[str, float, float | None, float | None, str]] = []
    for entry in _slices(result)[:CHART_SLICES]:
        value = num(entry.get("value"))
        if value is None:
            continue
        verdict = str(entry.get("verdict"))
        color = (
            COLORS.get(Verdict(verdict), CURRENT)
            if verdict in Verdict._value2member_map_
            else CURRENT
        )
        label = f"{entry.get('name')} ({entry.get('rows')} rows)"
        rows.append((label, value, num(entry.get("ci_low")), num(entry.get("ci_high")), color))
    if not rows:
        return []
    title = f"{result.id}: per slice (worst first)"
    return [svg.intervals(title, rows, limit_rule("threshold", result.threshold))]


def breakdown(result: GateResult) -> Breakdown | None:
    """Every slice: rows, value, interval, champion, delta and verdict, failing first."""
    from mlops_gate.render.pieces import Breakdown

    entries = _slices(result)
    if not entries:
        return None
    seen = {key for entry in entries for key in entry}
    keys = [k for k in SLICE_FIELDS if k in seen]
    rows = tuple((str(e.get("name")), *(e.get(k) for k in keys)) for e in entries)
    return Breakdown("per slice", ("slice", *keys), rows)


DELTA_CHART = "Δ against the champion"


def points(result: GateResult) -> Points | None:
    """This metric's change against the champion: one bar in the PR comment's shared chart."""
    from mlops_gate.render.pieces import Points

    if result.value is None or result.baseline_value is None:
        return None
    return Points(DELTA_CHART, "Δ", (result.id,), (result.value - result.baseline_value,))


def facts(result: GateResult) -> list[str]:
    """The confidence interval's bounds as numbers (the chart shows them only as a bar), the
    worst slice, the decision threshold and the positive class when recorded."""
    from mlops_gate.render.formatting import number

    found = [
        f"{name} {result.details[key]}"
        for key, name in (
            ("worst_slice", "worst slice"),
            ("decision_threshold", "decision threshold"),
            ("pos_label", "positive class"),
        )
        if isinstance(result.details.get(key), str | int | float)
    ]
    low, high = result.details.get("ci_low"), result.details.get("ci_high")
    if isinstance(low, int | float) and isinstance(high, int | float):
        found.insert(0, f"confidence interval {number(float(low))} to {number(float(high))}")
    return found
