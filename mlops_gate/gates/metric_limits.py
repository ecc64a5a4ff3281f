"""The `metric` gate's limits: which are broken and by how much, its threshold and its summary.

Every comparison goes through `gates.base.is_above`/`is_below`: limits are inclusive and a value
within a few ulps of its limit is at it (a drop exactly equal to `max_drop` passes; issue 13).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_gate.gates.base import is_above, is_below

if TYPE_CHECKING:
    from mlops_gate.gates.metric import Config

LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse"})


def threshold(
    config: Config, baseline_value: float | None, float_value: float | None = None
) -> tuple[float | None, str]:
    """`min`, else `max`, else the value the baseline (else the float model) limit allows."""
    if config.min is not None:
        return config.min, "≥"
    if config.max is not None:
        return config.max, "≤"
    for reference, drop, increase in (
        (baseline_value, config.max_drop, config.max_increase),
        (float_value, config.max_drop_vs_float, config.max_increase_vs_float),
    ):
        if reference is not None and drop is not None:
            return reference - drop, "≥"
        if reference is not None and increase is not None:
            return reference + increase, "≤"
    return None, "≤" if config.metric in LOWER_IS_BETTER else "≥"


def broken_limits(
    config: Config, value: float, baseline: float | None, details: dict[str, Any]
) -> list[str]:
    """One phrase per broken limit, naming the limit and by how much it is broken."""
    name = config.metric
    bound = f" ({details['confidence'] * 100:g}% bound)" if "confidence" in details else ""
    low, high = details.get("ci_low", value), details.get("ci_high", value)
    failures = []
    if config.min is not None and is_below(low, config.min):
        failures.append(
            f"{name}{bound} {low:.6g} is below min {config.min:g} by {config.min - low:.3g}"
        )
    if config.max is not None and is_above(high, config.max):
        failures.append(
            f"{name}{bound} {high:.6g} is above max {config.max:g} by {high - config.max:.3g}"
        )
    for prefix, against, reference in (
        ("delta", "baseline", baseline),
        ("delta_vs_float", "float model", details.get("float_value")),
    ):
        failure = _relative_failure(config, value, details, prefix, against, reference, bound)
        if failure:
            failures.append(failure)
    return failures


def _relative_failure(
    config: Config,
    value: float,
    details: dict[str, Any],
    prefix: str,
    against: str,
    reference: float | None,
    bound: str,
) -> str | None:
    """The max_drop/max_increase (`_vs_float`) phrase when that limit is broken, else None."""
    lower_is_better = config.metric in LOWER_IS_BETTER
    word = "increase" if lower_is_better else "drop"
    key = f"max_{word}" + ("_vs_float" if prefix == "delta_vs_float" else "")
    limit = getattr(config, key)
    if reference is None or limit is None:
        return None
    delta = details[prefix]
    # Pessimistic: the upper end of an increase's interval, minus the lower end of a delta's.
    if lower_is_better:
        worse = details.get(f"{prefix}_ci_high", delta)
    else:
        worse = -details.get(f"{prefix}_ci_low", delta)
    # The drop is a difference of two metric values: the tolerance scales with them.
    if not is_above(worse, limit, scale=max(abs(value), abs(reference))):
        return None
    return (
        f"{config.metric} {word}{bound} {worse:.3g} from {against} {reference:.6g} "
        f"exceeds {key} {limit:g} by {worse - limit:.3g}"
    )


def summary(value: float, baseline: float | None, details: dict[str, Any]) -> str:
    text = f"{details['metric']} {value:.6g}"
    if "confidence" in details:
        level = f"{details['confidence'] * 100:g}%"
        text += f" ({level} CI {details['ci_low']:.6g} to {details['ci_high']:.6g})"
    if baseline is not None:
        text += f", baseline {baseline:.6g} (delta {details['delta']:+.3g})"
    if "float_value" in details:
        text += f", float model {details['float_value']:.6g} ({details['delta_vs_float']:+.3g})"
    return text + ": within every limit"
