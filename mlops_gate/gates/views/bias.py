"""The `bias` gate's report pieces: what reports/pieces.py finds through the gate's `VIEW`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_gate.results import GateResult


CHART_GROUPS = 40  # groups drawn in the rates chart (the table has them all)
# The per-group fields of `details.groups` (DESIGN.md), in reading order; any others follow.
GROUP_FIELDS = ("rows", "selection_rate", "tpr", "fpr", "excluded")
_CHART_RATES = (
    ("selection_rate", "selection rate", "#1565c0"),
    ("tpr", "TPR", "#2e7d32"),
    ("fpr", "FPR", "#c62828"),
)


def charts(result: GateResult) -> list[str]:
    """Selection rate, TPR and FPR per group (each rate only where some group has it)."""
    from mlops_gate.render import svg
    from mlops_gate.render.charts_common import num
    from mlops_gate.render.svg import Series

    groups = result.details.get("groups")
    if not isinstance(groups, dict) or not groups:
        return []
    items = [(str(name), stats) for name, stats in groups.items() if isinstance(stats, dict)]
    items = items[:CHART_GROUPS]
    series = [
        Series(label, [num(stats.get(key)) or 0.0 for _, stats in items], color)
        for key, label, color in _CHART_RATES
        if any(num(stats.get(key)) is not None for _, stats in items)
    ]
    if not series:
        return []
    names = [name for name, _ in items]
    return [svg.grouped_bars(f"{result.id}: rates per group", names, series, [])]


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
