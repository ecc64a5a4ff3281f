"""`bias` gate: a fairness gap across the groups of a sensitive column (fairlearn's definitions).

- value: the largest gap of `metric` between the groups of `sensitive` that have at least
  `min_group_size` rows; `max` (and `warn`) are inclusive, compared with a tolerance of a few ulps
  (`gates/base.py`), so a gap equal to `max` passes.
- `min_group_size` (default 30): a rate measured on n rows has a standard error of up to
  0.5/sqrt(n), ±0.09 at 30 rows, so a gap between smaller groups is mostly noise. Smaller groups
  are not gated: they are named in the message and listed in `details.excluded` (and flagged in
  `details.groups`), never dropped silently; with fewer than two groups left the gate is `error`.
- error, never pass, when it cannot decide: a listed group without rows, a rate with a zero
  divisor (a group without positive labels for TPR), a feature column the model reads that is NaN
  on every row (`gates/features.py`; a constant one is a note in `details.constant_features`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig, is_above, verdict_at_most

if TYPE_CHECKING:
    import numpy.typing as npt

    from mlops_gate.gates.context import GateContext
    from mlops_gate.metrics.fairness import Disparity, GroupRates
    from mlops_gate.results import GateResult

Array: TypeAlias = "npt.NDArray[Any]"
MISSING_GROUP = "(missing)"
DIGITS = 6
MIN_GROUP_SIZE = 30  # see the module docstring: smaller groups' rates are mostly noise

BiasMetric = Literal[
    "demographic_parity_difference", "equalized_odds_difference", "equal_opportunity_difference"
]


class Config(GateConfig):
    """Largest gap between groups of `sensitive`; groups under `min_group_size` are not gated.

    `max`/`warn` are inclusive (a gap equal to `max` passes). Groups under `min_group_size` rows
    (default 30: below that a group's rate is too noisy to compare) are listed in the message and
    `details.excluded`; fewer than two groups left, or a feature column the model reads that is
    NaN on every row, is `error`, never `pass`.
    """

    type: Literal["bias"]
    sensitive: str = Field(description="Column holding the sensitive attribute.")
    metric: BiasMetric = "demographic_parity_difference"
    max: float = Field(ge=0, le=1, description="Fail if the gap is above this (inclusive).")
    warn: float | None = Field(
        default=None, ge=0, le=1, description="Warn if the gap is above this."
    )
    min_group_size: int = Field(
        default=MIN_GROUP_SIZE,
        ge=1,
        description="Groups with fewer rows are listed, not gated (a rate from n rows has a "
        "standard error of up to 0.5/sqrt(n): ±0.09 at 30); fewer than 2 groups left is an error.",
    )
    groups: list[int | str | bool] | None = Field(
        default=None, description="Groups that must be present; an absent or empty one is an error."
    )
    pos_label: int | str | bool | None = Field(
        default=None, description="Overrides model.pos_label."
    )

    requires = frozenset({"model", "eval", "target"})

    def default_id(self) -> str:
        return f"bias:{self.sensitive}"

    def required_inputs(self) -> frozenset[str]:
        if self.metric == "demographic_parity_difference":
            return frozenset({"model", "eval"})
        return self.requires

    @model_validator(mode="after")
    def _warn_below_max(self) -> Config:
        if self.warn is not None and self.warn > self.max:
            raise ValueError("warn is greater than max")
        return self


def evaluate(config: Config, context: GateContext) -> GateResult:
    """The gap between the groups of `sensitive` large enough to gate; smaller ones are reported."""
    import dataclasses

    from mlops_gate.errors import GateError
    from mlops_gate.gates.features import checked_features
    from mlops_gate.metrics.errors import MetricUndefined
    from mlops_gate.metrics.fairness import disparity, group_rates

    if context.task == "regression":
        raise GateError("bias needs a classification model (model.task is regression)")
    constant = checked_features(context, "model", "eval")
    groups, names = _group_keys(config.sensitive, context)
    predictions = context.predictions("model", "eval")
    positive = _positive_class(config, context)
    y_pred = _matches(predictions.require_labels(), positive)
    needs_truth = config.metric != "demographic_parity_difference"
    y_true = _matches(context.target(), positive) if needs_truth else None
    rates = group_rates(y_pred, groups, y_true, pos_label=True)
    rates = dataclasses.replace(rates, groups=tuple(names[g] for g in rates.groups))
    kept = _gated_groups(config, rates)
    if int(kept.sum()) < 2:
        return _too_few_groups(config, rates, kept)
    try:
        gap = disparity(rates.select(kept), config.metric)
    except MetricUndefined as exc:
        raise GateError(f"{config.metric} on '{config.sensitive}': {exc}") from None
    return _result(config, rates, kept, gap, constant)


def _gated_groups(config: Config, rates: GroupRates) -> Array:
    """Which groups have `min_group_size` rows; a listed group without rows is an error."""
    from mlops_gate.errors import GateError

    for listed in config.groups or ():
        if str(listed) not in rates.groups:
            raise GateError(
                f"sensitive group '{listed}' has no rows in column '{config.sensitive}'"
            )
    kept: Array = rates.rows >= config.min_group_size
    return kept


def _too_few_groups(config: Config, rates: GroupRates, kept: Array) -> GateResult:
    """`error`, with every group's size and rates in the details: a gap needs 2 gated groups."""
    from mlops_gate.results import GateResult, Verdict

    sizes = ", ".join(
        f"{g}: {n} rows" for g, n in zip(rates.groups, rates.rows.tolist(), strict=True)
    )
    details: dict[str, Any] = {
        "groups": _group_details(rates, kept),
        "metric": config.metric,
        "excluded": [str(g) for g, k in zip(rates.groups, kept.tolist(), strict=True) if not k],
        "min_group_size": config.min_group_size,
    }
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=Verdict.ERROR,
        message=f"fewer than 2 groups of '{config.sensitive}' have at least "
        f"{config.min_group_size} rows ({sizes}): a gap needs 2",
        threshold=config.max,
        details=details,
    )


def _group_keys(sensitive: str, context: GateContext) -> tuple[Array, list[str]]:
    """Each row's group as an index into the group names (sorted; missing values a group).

    The groups are named by their text, so 1 and "1" are one group. Factorized by hashing, so
    only the few distinct values become strings and the rows are never sorted as Python objects:
    on a large eval set that took gigabytes and minutes (issue #8). Index order is name order,
    so counting the indices counts the groups in the order of their names.
    """
    import numpy as np
    import pandas as pd

    from mlops_gate.errors import GateError

    if sensitive not in context.columns("eval"):
        raise GateError(
            f"sensitive column '{sensitive}' not found in {context.dataset_path('eval')}"
        )
    codes, found = pd.factorize(context.column("eval", sensitive))
    uniques = found.tolist()
    texts = [str(u) for u in uniques] + [MISSING_GROUP]
    names = sorted(set(texts))
    rank = np.array([names.index(t) for t in texts], dtype=np.min_scalar_type(len(names)))
    keys: Array = rank[codes]  # a missing value's code -1 picks the last entry: MISSING_GROUP
    return keys, names


def _positive_class(config: Config, context: GateContext) -> Any:
    """The positive label as the model's classes spell it (checks that it is one of them)."""
    predictions = context.predictions("model", "eval")
    label = config.pos_label if config.pos_label is not None else context.pos_label
    if not predictions.classes:
        return label
    return predictions.classes[predictions.class_index(label)]


def _matches(values: Array, label: Any) -> Array:
    """Rows equal to `label` by value or by spelling (a CSV target "1" matches a model label 1).

    Decided once per distinct value, then looked up per row (no per-row strings).
    """
    import numpy as np

    values = np.asarray(values).reshape(-1)
    distinct = np.unique(values) if values.dtype.kind != "O" else _object_distinct(values)
    by_value = np.asarray(distinct == label, dtype=bool)
    if by_value.shape != distinct.shape:  # an incomparable scalar answer
        by_value = np.zeros(distinct.shape, dtype=bool)
    by_spelling = np.asarray(distinct.astype(str) == str(label), dtype=bool)
    matched: Array = np.isin(values, distinct[by_value | by_spelling])
    return matched


def _object_distinct(values: Array) -> Array:
    """Distinct values of an object array (mixed types need not be orderable)."""
    import numpy as np
    import pandas as pd

    out: Array = np.asarray(pd.unique(values), dtype=object)
    return out


def _result(
    config: Config, rates: GroupRates, kept: Array, gap: Disparity, constant: list[str]
) -> GateResult:
    from mlops_gate.gates.features import constant_note
    from mlops_gate.results import GateResult

    excluded = [str(g) for g, k in zip(rates.groups, kept.tolist(), strict=True) if not k]
    details: dict[str, Any] = {
        "groups": _group_details(rates, kept),
        "metric": config.metric,
        "rate": gap.rate,
        "highest": str(gap.highest),
        "lowest": str(gap.lowest),
        "excluded": excluded,
        "min_group_size": config.min_group_size,
        "comparator": "≤",
        "warn": config.warn,
    }
    message = _message(config, rates, kept, gap)
    if constant:
        details["constant_features"] = constant
        message += f"; {constant_note(constant)}"
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=verdict_at_most(gap.value, config.max, config.warn),
        value=gap.value,
        threshold=config.max,
        message=message,
        details=details,
    )


def _group_details(rates: GroupRates, kept: Array) -> dict[str, dict[str, Any]]:
    import math

    def rounded(name: Literal["selection_rate", "tpr", "fpr"]) -> list[float | None]:
        if name != "selection_rate" and rates.positives is None:
            return [None] * len(rates.groups)
        # NaN (a zero divisor) is not JSON: null says "undefined".
        return [None if math.isnan(v) else round(v, DIGITS) for v in rates.rate(name).tolist()]

    columns = {name: rounded(name) for name in ("selection_rate", "tpr", "fpr")}
    return {
        str(group): {
            "rows": rows,
            **{name: values[i] for name, values in columns.items()},
            "excluded": not keep,
        }
        for i, (group, rows, keep) in enumerate(
            zip(rates.groups, rates.rows.tolist(), kept.tolist(), strict=True)
        )
    }


def _message(config: Config, rates: GroupRates, kept: Array, gap: Disparity) -> str:
    """E.g. "demographic_parity_difference 0.12 (> 0.05): selection_rate 0.45 for a vs 0.33 for b".

    Groups left out for their size are named, so an exclusion is never silent.
    """
    values = dict(zip(rates.groups, rates.rate(gap.rate).tolist(), strict=True))
    sign = ">" if is_above(gap.value, config.max) else "≤"
    message = (
        f"{config.metric} {gap.value:.3g} ({sign} {config.max:g}): {gap.rate} "
        f"{values[gap.highest]:.3g} for {gap.highest} vs {values[gap.lowest]:.3g} for {gap.lowest}"
    )
    small = [
        f"{g} ({n} rows)"
        for g, n, k in zip(rates.groups, rates.rows.tolist(), kept.tolist(), strict=True)
        if not k
    ]
    if small:
        message += f"; not gated, fewer than {config.min_group_size} rows: {', '.join(small)}"
    return message


# Report pieces, found by name by the reporters (mlops_gate/reports/pieces.py).

VIEW = "mlops_gate.gates.views.bias"
"""Where reports/pieces.py finds this gate's charts, breakdown and facts."""
