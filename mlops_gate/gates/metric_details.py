"""The `metric` gate's details of one measured statistic: limits, delta and bootstrap intervals.

Shared by the whole-set gate (`gates/metric.py`) and each slice (`gates/metric_slices.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_gate.gates.metric import Config
    from mlops_gate.metrics.bootstrap import Statistic


def statistic_details(
    config: Config,
    model: Statistic,
    value: float,
    baseline: tuple[Statistic, float] | None,
    floating: tuple[Statistic, float] | None = None,
) -> dict[str, Any]:
    """The limits set, the delta to each reference and, with `confidence`, the intervals of the
    value and of each paired difference (both models on the same resampled rows)."""
    from mlops_gate.gates.metric import LIMITS
    from mlops_gate.metrics.bootstrap import bootstrap_ci, paired_bootstrap

    details: dict[str, Any] = {"metric": config.metric, "rows": model.n}
    details.update(
        {name: getattr(config, name) for name in LIMITS if getattr(config, name) is not None}
    )
    if baseline is not None:
        details["delta"] = value - baseline[1]
    if floating is not None:
        details.update(float_value=floating[1], delta_vs_float=value - floating[1])
    if config.confidence is None:
        return details
    level, n, seed = config.confidence, config.n_resamples, config.seed
    interval = bootstrap_ci(model, confidence=level, n_resamples=n, seed=seed)
    details.update(ci_low=interval.low, ci_high=interval.high)
    details.update(confidence=level, n_resamples=n, seed=seed)
    for prefix, other in (("delta", baseline), ("delta_vs_float", floating)):
        if other is not None:
            paired = paired_bootstrap(model, other[0], confidence=level, n_resamples=n, seed=seed)
            details.update({f"{prefix}_ci_low": paired.low, f"{prefix}_ci_high": paired.high})
    return details
