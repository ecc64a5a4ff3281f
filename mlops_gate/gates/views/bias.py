"""The `bias` gate's report pieces: what reports/pieces.py finds through the gate's `VIEW`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_gate.results import GateResult


CHART_GROUPS = 40  # groups drawn in the rates chart (the table has them all)
# The per-group fields of `details.groups` (DESIGN.md), in reading order; any others follow.
GROUP_FIELDS = ("rows", "selection_rate", "tpr", "fpr", "excluded")
_CHART_RATES = (
    ("selection_rate", "selection rate", "#1565c0"),
    ("tpr", "TPR", "#2e7d32"),
    ("fpr", "FPR", "#c62828"),
    ("mae", "MAE", "#1565c0"),
    ("rmse", "RMSE", "#6d4c41"),
)


def charts(result: GateResult) -> list[str]:
    """The measured gap (or ratio) with its interval against the limit, the rates per group with
    their values written on the bars, and for a ratio metric each group's ratio against the limit."""
    groups = result.details.get("groups")
    if not isinstance(groups, dict) or not groups:
        return []
    items = [(str(name), stats) for name, stats in groups.items() if isinstance(stats, dict)]
    items = items[:CHART_GROUPS]
    drawn = [_gap(result)] if result.value is not None else []
    return drawn + _rates(result, items) + _ratios(result, items)


def _gap(result: GateResult) -> str:
    """The gate's value, its bootstrap interval and the champion's, against threshold and warn."""
    from mlops_gate.render import svg
    from mlops_gate.render.charts_common import CHAMPION, COLORS, CURRENT, limit_rule, num
    from mlops_gate.render.svg import Rule
    from mlops_gate.results import Verdict

    assert result.value is not None
    interval = result.details.get("interval")
    low = num(interval.get("low")) if isinstance(interval, dict) else None
    high = num(interval.get("high")) if isinstance(interval, dict) else None
    rows: list[tuple[str, float, float | None, float | None, str]] = [
        ("this model", result.value, low, high, COLORS.get(result.verdict, CURRENT))
    ]
    baseline = result.details.get("baseline")
    before = num(baseline.get("value")) if isinstance(baseline, dict) else result.baseline_value
    if before is not None:
        rows.append(("champion", before, None, None, CHAMPION))
    rules = limit_rule("limit", result.threshold)
    warn = num(result.details.get("warn"))
    rules += [Rule("warn", warn, COLORS[Verdict.WARN])] if warn is not None else []
    metric = result.details.get("metric")
    name = metric if isinstance(metric, str) else "gap between groups"
    return svg.intervals(f"{result.id}: {name}", rows, rules)


def _rates(result: GateResult, items: list[tuple[str, dict[str, Any]]]) -> list[str]:
    from mlops_gate.render import svg
    from mlops_gate.render.charts_common import num
    from mlops_gate.render.svg import Series

    series = [
        Series(label, [num(stats.get(key)) or 0.0 for _, stats in items], color)
        for key, label, color in _CHART_RATES
        if any(num(stats.get(key)) is not None for _, stats in items)
    ]
    if not series:
        return []
    names = [name for name, _ in items]
    title = f"{result.id}: rates per group"
    return [svg.grouped_bars(title, names, series, [], labels=len(names) * len(series) <= 24)]


def _ratios(result: GateResult, items: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Each group's rate over the highest group's, against the `min` limit (ratio metrics)."""
    from mlops_gate.render import svg
    from mlops_gate.render.charts_common import limit_rule, num
    from mlops_gate.render.svg import Series

    ratios = [num(stats.get("ratio")) for _, stats in items]
    if not any(r is not None for r in ratios):
        return []
    series = [Series("ratio to the highest group", [r or 0.0 for r in ratios], "#1565c0")]
    names = [name for name, _ in items]
    rules = limit_rule("limit", result.threshold)
    title = f"{result.id}: each group's rate over the highest group's"
    return [svg.grouped_bars(title, names, series, rules, labels=len(names) <= 24)]


def breakdown(result: GateResult) -> Breakdown | None:
    """Every group's fields for the folded table, in the order the groups were recorded."""
    from mlops_gate.render.pieces import Breakdown

    groups = result.details.get("groups")
    if not isinstance(groups, dict) or not groups:
        return None
    seen = {key for stats in groups.values() if isinstance(stats, dict) for key in stats}
    keys = [k for k in GROUP_FIELDS if k in seen] + sorted(seen - set(GROUP_FIELDS))
    rows = tuple(
        (str(group), *(stats.get(k) if isinstance(stats, dict) else "" for k in keys))
        for group, stats in groups.items()
    )
    return Breakdown("per-group rates", ("group", *(str(k) for k in keys)), rows)


if TYPE_CHECKING:
    from mlops_gate.render.pieces import Breakdown
