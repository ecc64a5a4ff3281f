"""`bias` gate: a fairness gap (or ratio) across the groups of sensitive columns (fairlearn's numbers).

- value: `metric` between the groups that have at least `min_group_size` rows. Differences
  (`*_difference`: largest minus smallest rate; lower is better) take `max`; ratios (`*_ratio`:
  smallest over largest rate, 1 is parity) take `min` (`min: 0.8` is the four-fifths rule).
  Regression models: `mae_difference` / `rmse_difference`, the gap between the groups' MAE/RMSE
  in the target's units. Definitions and zero rates: `metrics/fairness.py`, `docs/gates/fairness.md`.
- groups (`gates/bias_groups.py`): `sensitive` is a column or a list of columns (a group per
  combination present, named `sex=F, age_band=30-50`); numeric columns are binned by `bins`
  (edges or a count of quantile bins), and refused without `bins` when they have more than a few
  distinct values.
- the positive class: the gate's `pos_label`, else `model.pos_label` (default 1). A multiclass
  model is gated one class against the rest: the class and where it came from are in the message
  and `details.pos_label`.
- limits are inclusive with a tolerance of a few ulps (`gates/base.py`, phrased by
  `gates/limits.py`). `max_increase` (`_pct`: a fraction of the baseline's) for a gap and
  `max_drop` for a ratio compare with the baseline model's number on the same rows and groups.
- `confidence: c`: a seeded bootstrap of the eval rows (`n_resamples`, `seed`; paired with the
  baseline for the change limits), as a basic (reverse percentile) interval: a measured gap is
  biased away from parity (max - min over groups of noisy rates is positive even where the true
  rates are equal) and its resamples more so, and reflecting the percentile ends about the point
  removes that bias (`gates/bias_measure.basic`). The gate fails only when the whole interval is
  past a limit: the end nearest parity is compared (the lower end of a gap, the upper end of a
  ratio; for a change, the end nearest no change). A random attribute then passes where its
  point value alone fails on noise; a real disparity still fails.
- `min_group_size` (default 30): a rate measured on n rows has a standard error of up to
  0.5/sqrt(n), ±0.09 at 30 rows. Smaller groups are not gated: named in the message, listed in
  `details.excluded` and flagged in `details.groups`; with fewer than two groups left: `error`.
- error, never pass, when it cannot decide: a listed group without rows, a rate with a zero
  divisor, a ratio of 0/0 (every group's rate 0), a bootstrap resample where a group has no rows,
  NaN targets or predictions (regression), a feature column the model reads that is NaN on every
  row (`gates/features.py`; a constant one is a note in `details.constant_features`).

details: `groups` (per group `rows`, `selection_rate`, `tpr`, `fpr`, `excluded`; for a ratio
metric also `ratio`, the group's rate over the highest gated group's; for regression `rows`,
`mae`, `rmse`, `excluded`), `metric`, `rate`, `highest`, `lowest`, `excluded`, `min_group_size`,
`comparator`, `warn`, `sensitive` (the columns), `limits` (the limits set), `pos_label` (the
class gated) and `class_note` (multiclass), `bins` (the edges per binned column); with
`confidence` an `interval` {low, high, confidence, n_resamples, seed, method, gated} (`gated`:
the end compared, "low" or "high"); with a baseline `baseline` {value, highest, lowest}, `delta`
(value - baseline) and, with `confidence`, `delta_interval` {low, high}.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig
from mlops_gate.gates.bias_config import REGRESSION_METRICS

if TYPE_CHECKING:
    from mlops_gate.gates.context import GateContext
    from mlops_gate.results import GateResult

MIN_GROUP_SIZE = 30  # see the module docstring: smaller groups' rates are mostly noise

BiasMetric = Literal[
    "demographic_parity_difference",
    "equalized_odds_difference",
    "equal_opportunity_difference",
    "demographic_parity_ratio",
    "equalized_odds_ratio",
    "equal_opportunity_ratio",
    "mae_difference",
    "rmse_difference",
]
BinSpec: TypeAlias = int | list[float]


class Config(GateConfig):
    """Gap (max) or ratio (min) between groups of `sensitive`; small groups are not gated.

    Limits are inclusive (a gap equal to `max` passes). Groups under `min_group_size` rows
    (default 30: below that a group's rate is too noisy to compare) are listed in the message and
    `details.excluded`; fewer than two groups left is `error`, never `pass`. With `confidence`
    the gate fails only when the whole bootstrap interval is past a limit.
    """

    type: Literal["bias"]
    sensitive: str | list[str] = Field(
        description="Column(s) holding the sensitive attribute; several: their combinations."
    )
    metric: BiasMetric = "demographic_parity_difference"
    max: float | None = Field(
        default=None, ge=0, description="For a difference: fail if the gap is above this."
    )
    min: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="For a ratio: fail if it is below this (0.8 is the four-fifths rule).",
    )
    warn: float | None = Field(
        default=None, ge=0, description="Warn past this (above for a gap, below for a ratio)."
    )
    max_increase: float | None = Field(
        default=None, ge=0, description="Fail if the gap is more than this above the baseline's."
    )
    max_increase_pct: float | None = Field(
        default=None, ge=0, le=1, description="max_increase as a fraction of the baseline's gap."
    )
    max_drop: float | None = Field(
        default=None, ge=0, description="Fail if the ratio is more than this below the baseline's."
    )
    max_drop_pct: float | None = Field(
        default=None, ge=0, le=1, description="max_drop as a fraction of the baseline's ratio."
    )
    confidence: float | None = Field(
        default=None,
        gt=0.5,
        lt=1,
        description="Fail only when this bootstrap interval is wholly past a limit.",
    )
    n_resamples: int = Field(default=1000, ge=100, le=100_000, description="Bootstrap resamples.")
    seed: int = Field(default=0, ge=0, description="Bootstrap seed (reported).")
    bins: BinSpec | dict[str, BinSpec] | None = Field(
        default=None,
        description="Bins of numeric sensitive columns: edges, or a count of quantile bins; "
        "a mapping per column when `sensitive` lists several.",
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
        default=None, description="Overrides model.pos_label (multiclass: the class gated)."
    )

    requires = frozenset({"model", "eval", "target"})

    @property
    def columns(self) -> list[str]:
        return [self.sensitive] if isinstance(self.sensitive, str) else list(self.sensitive)

    @property
    def bin_specs(self) -> dict[str, BinSpec]:
        if self.bins is None or isinstance(self.bins, dict):
            return dict(self.bins or {})
        return {self.columns[0]: self.bins}

    @property
    def relative(self) -> bool:
        """Whether a limit compares with the baseline."""
        from mlops_gate.gates.limits import CHANGE_KEYS

        return any(getattr(self, key) is not None for key in CHANGE_KEYS)

    def default_id(self) -> str:
        if not isinstance(self.sensitive, str):
            return "bias:" + "+".join(self.sensitive)  # bias:sex+age_band
        return f"bias:{self.sensitive}"

    def required_inputs(self) -> frozenset[str]:
        needs = set(self.requires)
        if self.metric in ("demographic_parity_difference", "demographic_parity_ratio"):
            needs.discard("target")
        if self.relative:
            needs.add("baseline")
        return frozenset(needs)

    def policy_problems(self, policy: Any) -> list[tuple[str, str]]:
        """A regression gap on a classifier (or a rate gap on a regression model) cannot be measured."""
        task = policy.model.task if policy.model is not None else None
        if task is None or (self.metric in REGRESSION_METRICS) == (task == "regression"):
            return []
        return [("metric", f"'{self.metric}' does not apply to a {task} model")]

    @model_validator(mode="after")
    def _check(self) -> Config:
        from mlops_gate.gates.bias_config import check

        check(self)  # a ValueError naming the keys to change (docs/gates/fairness.md)
        return self


def evaluate(config: Config, context: GateContext) -> GateResult:
    """The gap between the groups large enough to gate, against every limit; small ones reported."""
    from mlops_gate.gates.bias_groups import grouping
    from mlops_gate.gates.bias_measure import measure
    from mlops_gate.gates.bias_report import result
    from mlops_gate.gates.features import checked_features

    constant = checked_features(context, "model", "eval")
    hook = context.engine_hook("bias.grouping")  # Spark: engine/data/hooks.py
    groups = hook(config, context) if hook else grouping(config.columns, config.bin_specs, context)
    return result(config, measure(config, context, groups), constant)


# Report pieces, found by name by the reporters (mlops_gate/reports/pieces.py).

VIEW = "mlops_gate.gates.views.bias"
"""Where reports/pieces.py finds this gate's charts, breakdown and facts."""
