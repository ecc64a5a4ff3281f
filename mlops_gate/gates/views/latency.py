"""The `latency` gate's report pieces: what reports/pieces.py finds through the gate's `VIEW`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_gate.results import GateResult


def charts(result: GateResult) -> list[str]:
    """The spread of the timed calls (p50 to p99, the dot at the gated percentile) of this model
    and of the champion, against the limit: a distribution, not three unrelated bars."""
    from mlops_gate.render import svg
    from mlops_gate.render.charts_common import CHAMPION, COLORS, CURRENT, limit_rule

    mine = {**result.details, "value_ms": result.value}
    theirs = {**result.details, "baseline_value_ms": result.baseline_value}
    rows = [
        row
        for row in (
            _spread("this model", mine, "", COLORS.get(result.verdict, CURRENT)),
            _spread("champion", theirs, "baseline_", CHAMPION),
        )
        if row is not None
    ]
    if not rows:
        return []
    percentile = result.details.get("percentile")
    gated = f"p{percentile:g}" if isinstance(percentile, int | float) else "the gated percentile"
    provider = result.details.get("provider")
    on = f" on {provider}" if isinstance(provider, str) else ""
    title = f"{result.id}: latency{on}, p50 to p99 (dot: {gated})"
    return [svg.intervals(title, rows, limit_rule("limit", result.threshold), unit=" ms")]


def _spread(
    label: str, details: dict[str, object], prefix: str, color: str
) -> tuple[str, float, float | None, float | None, str] | None:
    """(label, gated value, p50, p99, colour) of one model's timings; None if not recorded."""
    from mlops_gate.render.charts_common import num

    p50, p99 = num(details.get(f"{prefix}p50_ms")), num(details.get(f"{prefix}p99_ms"))
    value = num(details.get(f"{prefix}value_ms")) or num(details.get(f"{prefix}p95_ms")) or p50
    if value is None:
        return None
    if p50 is None or p99 is None:
        return (label, value, None, None, color)
    return (label, value, p50, p99, color)


def facts(result: GateResult) -> list[str]:
    """Throughput and the execution provider, which the percentile chart does not show; for a
    generation model's requests, tokens per second, the cost and how the requests were timed."""
    from mlops_gate.render.formatting import number

    details, found = result.details, []
    if isinstance(details.get("throughput_rps"), int | float):
        found.append(f"throughput {number(float(details['throughput_rps']))} rows/s")
    if isinstance(details.get("provider"), str):
        found.append(f"provider {details['provider']}")
    if isinstance(details.get("completion_tokens_per_s"), int | float):
        found.append(f"{number(float(details['completion_tokens_per_s']))} completion tokens/s")
    cost = details.get("cost")
    if isinstance(cost, dict) and all(isinstance(cost.get(k), int | float) for k in _COST):
        total, each, spent = (float(cost[k]) for k in _COST)
        found.append(f"cost {number(total)} ({number(each)} per request; this run {number(spent)})")
    timed = details.get("timed")
    if isinstance(timed, dict) and all(isinstance(timed.get(k), int) for k in ("live", "recorded")):
        found.append(f"requests timed live {timed['live']}, as recorded {timed['recorded']}")
    return found


_COST = ("total", "per_request", "this_run")
