"""Which charts each gate gets in the HTML report, drawn from its `details` (DESIGN.md shapes).

drift → PSI per feature with the warn and fail lines, and reference-vs-current bin shares of the
most drifted features; bias → rates per group; latency → p50/p95/p99 against the limit and the
champion; metric → the value with its confidence interval against the champion and the threshold.
Details may come from an older results JSON, so malformed entries are skipped, never fatal.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from mlops_gate.reports import svg
from mlops_gate.reports.formatting import number
from mlops_gate.reports.svg import Rule, Series
from mlops_gate.results import GateResult, Verdict

COLORS = {
    Verdict.PASS: "#2e7d32",
    Verdict.WARN: "#ef6c00",
    Verdict.FAIL: "#c62828",
    Verdict.ERROR: "#6a1b9a",
    Verdict.SKIP: "#9e9e9e",
}
REFERENCE, CURRENT, CHAMPION = "#90a4ae", "#1565c0", "#6d4c41"
MAX_FEATURES = 30
MAX_GROUPS = 40
HISTOGRAMS = 3
_RATES = (
    ("selection_rate", "selection rate", "#1565c0"),
    ("tpr", "TPR", "#2e7d32"),
    ("fpr", "FPR", "#c62828"),
)


def charts_for(gate: GateResult) -> list[str]:
    """The SVG charts for `gate` (none for types without a chart, or without usable details)."""
    builders: dict[str, Callable[[GateResult], list[str]]] = {
        "drift": _drift,
        "bias": _bias,
        "latency": _latency,
        "metric": _metric,
    }
    builder = builders.get(gate.type)
    return builder(gate) if builder else []


def _drift(gate: GateResult) -> list[str]:
    columns = gate.details.get("columns")
    if not isinstance(columns, dict):
        return []
    psi = sorted(
        ((str(k), v) for k, raw in columns.items() if (v := _num(raw)) is not None),
        key=lambda kv: -kv[1],
    )
    if not psi:
        return []
    warn = _num(gate.details.get("warn"))
    rules = (
        [Rule("fail above", gate.threshold, COLORS[Verdict.FAIL])]
        if gate.threshold is not None
        else []
    )
    rules += [Rule("warn above", warn, COLORS[Verdict.WARN])] if warn is not None else []
    rows = [
        (name, value, _drift_color(value, warn, gate.threshold))
        for name, value in psi[:MAX_FEATURES]
    ]
    shown = f" (the {MAX_FEATURES} most drifted of {len(psi)})" if len(psi) > MAX_FEATURES else ""
    charts = [svg.hbars(f"{gate.id}: PSI per feature{shown}", rows, rules)]
    bins = gate.details.get("bins")
    if isinstance(bins, dict):  # the most drifted features that have their bins recorded
        histograms = (_histogram(name, value, bins.get(name)) for name, value in psi)
        charts += [chart for chart in histograms if chart][:HISTOGRAMS]
    return charts


def _drift_color(value: float, warn: float | None, fail: float | None) -> str:
    if fail is not None and value > fail:
        return COLORS[Verdict.FAIL]
    if warn is not None and value > warn:
        return COLORS[Verdict.WARN]
    return COLORS[Verdict.PASS]


def _histogram(column: str, psi: float, spec: Any) -> str | None:
    if not isinstance(spec, dict):
        return None
    reference, current = _nums(spec.get("reference")), _nums(spec.get("current"))
    if not reference or len(reference) != len(current):
        return None
    series = [Series("reference", reference, REFERENCE), Series("current", current, CURRENT)]
    title = f"{column}: share of rows per bin (PSI {number(psi)})"
    return svg.grouped_bars(title, bin_labels(spec, len(reference)), series, [])


def bin_labels(spec: dict[str, Any], count: int) -> list[str]:
    """Categories, or ranges from the interior edges (outer bins open, a last NaN bin if any)."""
    categories = spec.get("categories")
    if isinstance(categories, list):
        labels = [str(c) for c in categories]
    else:
        edges = _nums(spec.get("edges"))
        inner = [f"{number(a)} to {number(b)}" for a, b in itertools.pairwise(edges)]
        labels = [f"< {number(edges[0])}", *inner, f"≥ {number(edges[-1])}"] if edges else []
    if len(labels) == count - 1:
        labels.append("NaN")  # DESIGN.md: missing values get a bin of their own
    return labels if len(labels) == count else [f"bin {i + 1}" for i in range(count)]


def _bias(gate: GateResult) -> list[str]:
    groups = gate.details.get("groups")
    if not isinstance(groups, dict) or not groups:
        return []
    items = [(str(name), stats) for name, stats in groups.items() if isinstance(stats, dict)][
        :MAX_GROUPS
    ]
    series = [
        Series(label, [_num(stats.get(key)) or 0.0 for _, stats in items], color)
        for key, label, color in _RATES
        if any(_num(stats.get(key)) is not None for _, stats in items)
    ]
    if not series:
        return []
    return [
        svg.grouped_bars(f"{gate.id}: rates per group", [name for name, _ in items], series, [])
    ]


def _latency(gate: GateResult) -> list[str]:
    found = [(label, _num(gate.details.get(f"{label}_ms"))) for label in ("p50", "p95", "p99")]
    present = [(label, value) for label, value in found if value is not None]
    if not present:
        return []
    rules = (
        [Rule("limit", gate.threshold, COLORS[Verdict.FAIL])] if gate.threshold is not None else []
    )
    if gate.baseline_value is not None:
        rules.append(Rule("champion", gate.baseline_value, CHAMPION))
    provider = gate.details.get("provider")
    title = f"{gate.id}: latency percentiles" + (
        f" on {provider}" if isinstance(provider, str) else ""
    )
    series = [Series("this model", [value for _, value in present], CURRENT)]
    return [svg.grouped_bars(title, [label for label, _ in present], series, rules, unit=" ms")]


def _metric(gate: GateResult) -> list[str]:
    if gate.value is None:
        return []
    low, high = _num(gate.details.get("ci_low")), _num(gate.details.get("ci_high"))
    rows: list[tuple[str, float, float | None, float | None, str]] = [
        ("this model", gate.value, low, high, COLORS.get(gate.verdict, CURRENT))
    ]
    if gate.baseline_value is not None:
        rows.append(("champion", gate.baseline_value, None, None, CHAMPION))
    rules = (
        [Rule("threshold", gate.threshold, COLORS[Verdict.FAIL])]
        if gate.threshold is not None
        else []
    )
    interval = " with its confidence interval" if low is not None and high is not None else ""
    return [svg.intervals(f"{gate.id}{interval}, against the champion", rows, rules)]


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _nums(values: Any) -> list[float]:
    """The numbers of a list; empty if any entry is not a finite number (half a chart misleads)."""
    if not isinstance(values, list):
        return []
    numbers = [_num(v) for v in values]
    return [n for n in numbers if n is not None] if all(n is not None for n in numbers) else []
