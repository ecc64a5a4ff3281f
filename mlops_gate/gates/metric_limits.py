"""The `metric` gate's limits: which are broken and by how much, its threshold and its summary.

The limits themselves (what `max_drop_pct` means, the inclusive boundary with its ulp tolerance,
the phrase of a broken limit) belong to `gates/limits.py`, shared by every numeric gate; this
module only says which references the metric gate compares with: the baseline (`max_drop`,
`max_increase`, `_pct`) and, for a quantized variant, the float model (`_vs_float`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_gate.gates import limits
from mlops_gate.gates.metric_catalogue import LOWER_IS_BETTER, lower_is_better

if TYPE_CHECKING:
    from mlops_gate.gates.metric import Config

__all__ = ["LOWER_IS_BETTER", "broken_limits", "summary", "threshold"]


def threshold(
    config: Config, baseline_value: float | None, float_value: float | None = None
) -> tuple[float | None, str]:
    """`min`, else `max`, else the value the baseline (else the float model) limit allows."""
    references = [(baseline_value, ""), (float_value, "_vs_float")]
    return limits.threshold(config, lower_is_better(config.metric), references)


def broken_limits(
    config: Config,
    value: float,
    baseline: float | None,
    details: dict[str, Any],
    name: str | None = None,
) -> list[str]:
    """One phrase per broken limit, naming the limit and by how much it is broken."""
    shown = name or config.metric
    lower = lower_is_better(config.metric)
    failures = limits.broken_limits(
        config, shown, value, lower_is_better=lower, details=details, reference=baseline
    )
    failures += limits.broken_limits(
        config,
        shown,
        value,
        lower_is_better=lower,
        details=details,
        reference=details.get("float_value"),
        against="float model",
        prefix="delta_vs_float",
        suffix="_vs_float",
    )
    return failures


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
