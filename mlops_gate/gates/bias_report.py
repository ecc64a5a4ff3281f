"""The `bias` gate's verdict, message and details from its measurement (`gates/bias_measure.py`).

Which number a limit is compared with: the point value; with `confidence`, the end of the
interval nearest parity (the lower end of a gap, the upper end of a ratio), so that a gap fails
only when its whole interval is past the limit (`gates/bias.py` says why). A change against the
baseline likewise: the end of its paired interval nearest no change. Limits are phrased by
`gates/limits.py` and compared there through `gates/base.py` (inclusive, a few ulps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_gate.gates.base import is_above, is_below
from mlops_gate.metrics.fairness import is_ratio

if TYPE_CHECKING:
    from mlops_gate.gates.bias import Config
    from mlops_gate.gates.bias_measure import Measurement
    from mlops_gate.gates.bias_sides import Gap
    from mlops_gate.results import GateResult, Verdict

LISTED = 20  # groups named in a message
BIAS_LIMITS = ("min", "max", "max_increase", "max_increase_pct", "max_drop", "max_drop_pct")


def result(config: Config, m: Measurement, constant: list[str]) -> GateResult:
    """The gate's result: `error` with fewer than 2 gated groups, `skip` with nothing to compare."""
    from mlops_gate.gates.features import constant_note
    from mlops_gate.results import GateResult, Verdict

    details = _details(config, m)
    if constant:
        details["constant_features"] = constant
    notes = [constant_note(constant)] if constant else []
    if m.gap is None:
        verdict, value, message = Verdict.ERROR, None, _too_few(config, m)
    elif _nothing_to_compare(config, m):
        verdict, value, message = Verdict.SKIP, m.gap.value, "; ".join(m.notes)
    else:
        failures = _failures(config, m, m.gap)
        verdict, value = _verdict(config, m, m.gap, failures), m.gap.value
        message = "; ".join([*_message(config, m, m.gap), *notes])
    limit, details["comparator"] = _threshold(config, m)
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=verdict,
        value=value,
        threshold=limit,
        baseline_value=m.baseline.value if m.baseline else None,
        message=message,
        details=details,
    )


def _nothing_to_compare(config: Config, m: Measurement) -> bool:
    """Only change limits, and no baseline yet (a first run): nothing is gated."""
    return config.min is None and config.max is None and m.baseline is None


def gated_value(config: Config, m: Measurement, gap: Gap) -> float:
    """The number `min`/`max` are compared with: the point, or the interval's end nearest parity."""
    if m.interval is None:
        return gap.value
    return m.interval.high if is_ratio(config.metric) else m.interval.low


def worsening(config: Config, m: Measurement, gap: Gap) -> float | None:
    """How much worse than the baseline (a gap's increase, a ratio's drop); None: no baseline."""
    if m.baseline is None:
        return None
    ratio = is_ratio(config.metric)
    change = gap.value - m.baseline.value
    if m.delta_interval is not None:
        change = m.delta_interval.high if ratio else m.delta_interval.low
    return -change if ratio else change


def _failures(config: Config, m: Measurement, gap: Gap) -> list[str]:
    from mlops_gate.gates.limits import broken_max, broken_min

    value, bound = gated_value(config, m, gap), _bound(config)
    found = [
        broken_min(config.metric, value, config.min, bound) if config.min is not None else None,
        broken_max(config.metric, value, config.max, bound) if config.max is not None else None,
    ]
    return [failure for failure in found if failure] + _change_failures(config, m, gap)


def _change_failures(config: Config, m: Measurement, gap: Gap) -> list[str]:
    from mlops_gate.gates.limits import broken_change, set_limits

    worse = worsening(config, m, gap)
    if worse is None or m.baseline is None:
        return []
    found = [
        broken_change(
            config.metric,
            worse,
            m.baseline.value,
            key=key,
            limit=limit,
            bound=_bound(config),
            scale=gap.value,
        )
        for key, limit in set_limits(config, BIAS_LIMITS[2:]).items()
    ]
    return [failure for failure in found if failure]


def _verdict(config: Config, m: Measurement, gap: Gap, failures: list[str]) -> Verdict:
    from mlops_gate.results import Verdict

    if failures:
        return Verdict.FAIL
    value = gated_value(config, m, gap)
    if config.warn is not None:
        past = is_below if is_ratio(config.metric) else is_above
        if past(value, config.warn):
            return Verdict.WARN
    return Verdict.PASS


def _bound(config: Config) -> str:
    if config.confidence is None:
        return ""
    end = "upper" if is_ratio(config.metric) else "lower"
    return f" ({config.confidence * 100:g}% CI {end} end)"


def _message(config: Config, m: Measurement, gap: Gap) -> list[str]:
    """E.g. "demographic_parity_difference 0.12 (> 0.05): selection_rate 0.45 for a vs 0.33 for b"."""
    head = f"{config.metric} {gap.value:.3g}{_limit_text(config, m, gap)}"
    parts = [
        f"{head}: {gap.rate} {gap.per_group[gap.highest]:.3g} for {gap.highest} "
        f"vs {gap.per_group[gap.lowest]:.3g} for {gap.lowest}"
    ]
    if m.baseline is not None:
        parts.append(f"baseline {m.baseline.value:.3g} ({gap.value - m.baseline.value:+.3g})")
    parts += _change_failures(config, m, gap)
    parts += _noise_note(config, m, gap)
    if m.positive is not None and m.positive.note:
        parts.append(m.positive.note)
    small = [f"{g} ({n} rows)" for g, n, k in zip(m.groups, m.rows, m.kept, strict=True) if not k]
    if small:
        parts.append(f"not gated, fewer than {config.min_group_size} rows: {_listed(small)}")
    return parts + m.notes


def _limit_text(config: Config, m: Measurement, gap: Gap) -> str:
    """ " (> 0.05)", or with an interval " (95% CI 0.01 to 0.09; lower end ≤ 0.05)"."""
    limit = config.min if is_ratio(config.metric) else config.max
    sign = ""
    if limit is not None:
        value = gated_value(config, m, gap)
        if is_ratio(config.metric):
            sign = f"{'<' if is_below(value, limit) else '≥'} {limit:g}"
        else:
            sign = f"{'>' if is_above(value, limit) else '≤'} {limit:g}"
    if m.interval is None:
        return f" ({sign})" if sign else ""
    level = f"{m.interval.confidence * 100:g}%"
    end = "upper" if is_ratio(config.metric) else "lower"
    text = f" ({level} CI {m.interval.low:.3g} to {m.interval.high:.3g}"
    return text + (f"; {end} end {sign})" if sign else ")")


def _noise_note(config: Config, m: Measurement, gap: Gap) -> list[str]:
    """Say so when the point value alone would fail but the interval reaches inside the limit."""
    if m.interval is None:
        return []
    ratio = is_ratio(config.metric)
    limit = config.min if ratio else config.max
    if limit is None:
        return []
    point_fails = is_below(gap.value, limit) if ratio else is_above(gap.value, limit)
    if not point_fails or _failures(config, m, gap):
        return []
    return [
        f"the point value is past {'min' if ratio else 'max'} {limit:g} but the "
        f"{m.interval.confidence * 100:g}% interval reaches inside it: not told apart from noise"
    ]


def _too_few(config: Config, m: Measurement) -> str:
    from mlops_gate.gates.bias_measure import named

    sizes = _listed([f"{g}: {n} rows" for g, n in zip(m.groups, m.rows, strict=True)])
    return (
        f"fewer than 2 groups of {named(config)} have at least "
        f"{config.min_group_size} rows ({sizes}): a gap needs 2"
    )


def _listed(items: list[str]) -> str:
    """The first `LISTED` items, and how many more: a column of IDs must not make a huge line."""
    more = len(items) - LISTED
    return ", ".join(items[:LISTED]) + (f" and {more} more (details.groups)" if more > 0 else "")


def _threshold(config: Config, m: Measurement) -> tuple[float | None, str]:
    from mlops_gate.gates.limits import allowed_value, set_limits

    comparator = "≥" if is_ratio(config.metric) else "≤"
    limit = config.min if is_ratio(config.metric) else config.max
    if limit is not None or m.baseline is None:
        return limit, comparator
    key, change = next(iter(set_limits(config, BIAS_LIMITS[2:]).items()))
    return allowed_value(key, change, m.baseline.value), comparator


def _details(config: Config, m: Measurement) -> dict[str, Any]:
    from mlops_gate.gates.bias_report_details import details

    return details(config, m)
