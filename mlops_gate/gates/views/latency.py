"""The `latency` gate's report pieces: what reports/pieces.py finds through the gate's `VIEW`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_gate.results import GateResult


def charts(result: GateResult) -> list[str]:
    """p50/p95/p99 against the limit and the champion's value."""
    from mlops_gate.render import svg
    from mlops_gate.render.charts_common import CHAMPION, CURRENT, limit_rule, num
    from mlops_gate.render.svg import Rule, Series

    found = [(label, num(result.details.get(f"{label}_ms"))) for label in ("p50", "p95", "p99")]
    present = [(label, value) for label, value in found if value is not None]
    if not present:
        return []
    rules = limit_rule("limit", result.threshold)
    if result.baseline_value is not None:
        rules.append(Rule("champion", result.baseline_value, CHAMPION))
    provider = result.details.get("provider")
    title = f"{result.id}: latency percentiles" + (
        f" on {provider}" if isinstance(provider, str) else ""
    )
    series = [Series("this model", [value for _, value in present], CURRENT)]
    labels = [label for label, _ in present]
    return [svg.grouped_bars(title, labels, series, rules, unit=" ms")]


def facts(result: GateResult) -> list[str]:
    """Throughput and the execution provider, which the percentile chart does not show."""
    from mlops_gate.render.formatting import number

    details, found = result.details, []
    if isinstance(details.get("throughput_rps"), int | float):
        found.append(f"throughput {number(float(details['throughput_rps']))} rows/s")
    if isinstance(details.get("provider"), str):
        found.append(f"provider {details['provider']}")
    return found
