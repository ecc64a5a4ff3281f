"""`metric` gate: a model quality metric on the eval set, against limits and the baseline.

Numbers are scikit-learn's (DESIGN.md "Definitions" -> Metrics; see `mlops_gate.metrics`).

- value: `metric` of the model on `data.eval` against `data.target`. Binary when the model's
  classes and the labels in the target and predictions are at most two: precision/recall/f1 score
  `pos_label` (the gate's, else `model.pos_label`) and roc_auc uses that class's probability.
  Otherwise precision/recall/f1 use `average` (macro by default) and roc_auc (over the model's
  classes) is one-vs-rest, macro. roc_auc and log_loss need a probability output.
- `min` fails a value below it, `max` a value above it. `threshold` is `min` (else `max`) and
  `details.comparator` is "≥" or "≤" to match; with only `max_drop`/`max_increase` the threshold
  is the value the limit allows: baseline - max_drop (≥) or baseline + max_increase (≤).
- Boundaries (every gate, `gates/base.py`): limits are inclusive and a value within a few ulps of
  its limit is at it, so a drop exactly equal to `max_drop` passes (issue 13).
- baseline: whenever the policy has one, `baseline_value` is the baseline model's metric on the same
  rows and `details.delta` = value - baseline. `max_drop` (higher-is-better metrics) fails when
  baseline - value exceeds it; `max_increase` (log_loss, mae, rmse) when value - baseline does.
- `confidence: c` makes every limit pessimistic, on two-sided level-c percentile bootstrap intervals
  (`n_resamples` resamples of the eval rows, `default_rng(seed)`): `min` is checked against the
  interval's lower bound, `max` against its upper bound, and `max_drop`/`max_increase` against the
  upper bound of the paired bootstrap of the drop/increase (both models on the same resampled
  rows). details then hold ci_low, ci_high, confidence, n_resamples, seed and, with a baseline,
  delta_ci_low/delta_ci_high (the interval of value - baseline).
- `max_drop_vs_float` / `max_increase_vs_float` (issue 3): in a quantized variant's evaluation
  (`check --artifacts dist/`), the variant's metric against the float model's on the same rows;
  `details.float_value` and `details.delta_vs_float` (= value - float), with `confidence` the upper
  bound of the paired bootstrap. Elsewhere (the float model, a plain `check`) they do not apply:
  `details.vs_float` says so, and a gate with no other limit is `skip`.
- `min_rows` (default 30): an eval set with fewer rows is `error`. With n rows a share such as
  accuracy or recall has a standard error of up to 0.5/sqrt(n), ±0.09 at 30 rows and worse below,
  and the percentile bootstrap under-covers on small samples (Efron & Tibshirani, "An Introduction
  to the Bootstrap", 1993, ch. 13-14): one row gives the interval [1.0, 1.0] at any confidence.
  Below ~30 rows neither the point value nor its interval can carry a release decision.
- fail when any limit is broken: the message names each broken limit and by how much, on one line.
- error, never pass, when the gate cannot decide: NaN/inf in targets, predictions or scores, an
  empty eval set or one under `min_rows`, a feature column the model reads that is NaN on every
  row (`gates/features.py`; a constant one is a note in `details.constant_features` and the
  message), a value scikit-learn calls ill-defined (precision with no predicted row of a label,
  recall with no true row, f1 with neither; binary precision/recall/f1 without a true row of the
  positive class), a single class in y_true for roc_auc or log_loss (or in a bootstrap resample),
  no probability output for roc_auc/log_loss, labels that cannot be compared with the targets, a
  metric of the other task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig
from mlops_gate.gates.metric_limits import LOWER_IS_BETTER
from mlops_gate.gates.metric_limits import threshold as _threshold  # its old name, still used
from mlops_gate.gates.metric_scoring import CLASSIFICATION

if TYPE_CHECKING:
    from mlops_gate.gates.context import GateContext
    from mlops_gate.metrics.bootstrap import Statistic
    from mlops_gate.results import GateResult

MetricName = Literal[
    "accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "mae", "rmse", "r2"
]
LIMITS = ("min", "max", "max_drop", "max_increase", "max_drop_vs_float", "max_increase_vs_float")
FLOAT_ONLY = "the *_vs_float limits apply to quantized variants only (check --artifacts)"
MIN_ROWS = 30  # see the module docstring: below it a metric is noise, not evidence


class Config(GateConfig):
    """Gate on a scikit-learn-defined metric; `confidence` makes every limit pessimistic.

    Limits are inclusive (a value equal to `min`/`max`, or a drop equal to `max_drop`, passes),
    compared with a tolerance of a few ulps. An eval set under `min_rows` rows (default 30),
    a feature column the model reads that is NaN on every row, or a value scikit-learn calls
    ill-defined (e.g. recall when y_true holds no positive row) is `error`, never `pass`.
    """

    type: Literal["metric"]
    metric: MetricName
    min: float | None = Field(default=None, description="Fail below this value (inclusive).")
    max: float | None = Field(default=None, description="Fail above this value (inclusive).")
    max_drop: float | None = Field(
        default=None,
        ge=0,
        description="Fail if the metric is more than this below the baseline's (higher-is-better).",
    )
    max_increase: float | None = Field(
        default=None,
        ge=0,
        description="Fail if the metric is more than this above the baseline's (lower-is-better).",
    )
    max_drop_vs_float: float | None = Field(
        default=None,
        ge=0,
        description="In a quantized variant's evaluation (check --artifacts): fail if the metric "
        "is more than this below the float model's on the same rows (higher-is-better).",
    )
    max_increase_vs_float: float | None = Field(
        default=None,
        ge=0,
        description="In a quantized variant's evaluation (check --artifacts): fail if the metric "
        "is more than this above the float model's on the same rows (lower-is-better).",
    )
    confidence: float | None = Field(
        default=None,
        gt=0.5,
        lt=1,
        description="Gate on this bootstrap confidence bound instead of the point value.",
    )
    n_resamples: int = Field(default=1000, ge=100, le=100_000, description="Bootstrap resamples.")
    seed: int = Field(default=0, ge=0, description="Bootstrap seed (reported).")
    min_rows: int = Field(
        default=MIN_ROWS,
        ge=1,
        description="Fewer eval rows is an error: below ~30 rows a metric and its bootstrap "
        "interval are too noisy to gate a release on (a share's standard error is up to "
        "0.5/sqrt(n), ±0.09 at 30 rows; one row gives the interval [1.0, 1.0]).",
    )
    average: Literal["macro", "micro", "weighted"] = Field(
        default="macro", description="Multiclass averaging."
    )
    pos_label: int | str | bool | None = Field(
        default=None, description="Overrides model.pos_label."
    )

    def default_id(self) -> str:
        return f"metric:{self.metric}"

    def required_inputs(self) -> frozenset[str]:
        needs = {"model", "eval", "target"}
        if self.max_drop is not None or self.max_increase is not None:
            needs.add("baseline")
        return frozenset(needs)

    def policy_problems(self, policy: Any) -> list[tuple[str, str]]:
        """A classification metric on a regression model (or the reverse) cannot be measured."""
        task = policy.model.task if policy.model is not None else None
        if task is None or (self.metric in CLASSIFICATION) == (task == "classification"):
            return []
        return [("metric", f"'{self.metric}' does not apply to a {task} model")]

    @model_validator(mode="after")
    def _limits(self) -> Config:
        if all(getattr(self, name) is None for name in LIMITS):
            raise ValueError(
                "set at least one of min, max, max_drop, max_increase, max_drop_vs_float, "
                "max_increase_vs_float"
            )
        lower = self.metric in LOWER_IS_BETTER
        if self.max_drop is not None and lower:
            raise ValueError(f"{self.metric} is lower-is-better: use max_increase, not max_drop")
        if self.max_increase is not None and not lower:
            raise ValueError(f"{self.metric} is higher-is-better: use max_drop, not max_increase")
        if self.max_drop_vs_float is not None and lower:
            raise ValueError(
                f"{self.metric} is lower-is-better: use max_increase_vs_float, not max_drop_vs_float"
            )
        if self.max_increase_vs_float is not None and not lower:
            raise ValueError(
                f"{self.metric} is higher-is-better: use max_drop_vs_float, not max_increase_vs_float"
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self

    @property
    def relative(self) -> bool:
        """Whether a limit compares with the baseline."""
        return self.max_drop is not None or self.max_increase is not None

    @property
    def vs_float(self) -> bool:
        """Whether a limit compares with the float model (quantized variants only)."""
        return self.max_drop_vs_float is not None or self.max_increase_vs_float is not None


def evaluate(config: Config, context: GateContext) -> GateResult:
    """The metric of the model (and of the baseline, and the float model), against every limit."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.metric_scoring import measure
    from mlops_gate.metrics.errors import MetricUndefined
    from mlops_gate.results import GateResult, Verdict

    reference = context.float_reference() if config.vs_float else None
    notes = _not_applied(config, context, reference)
    baseline_applies = config.relative and context.has_baseline()
    if config.min is None and config.max is None and not baseline_applies and reference is None:
        return GateResult(
            id=config.gate_id, type=config.type, verdict=Verdict.SKIP, message="; ".join(notes)
        )
    model, value, info = measure(config, context, "model")
    baseline = measure(config, context, "baseline")[:2] if context.has_baseline() else None
    floating = measure(config, reference, "model")[:2] if reference is not None else None
    try:
        details = {**info, **_details(config, model, value, baseline, floating)}
    except MetricUndefined as exc:
        raise GateError(f"{config.metric} bootstrap: {exc}") from None
    if reference is None and config.vs_float:
        details["vs_float"] = FLOAT_ONLY
    return _result(config, value, baseline[1] if baseline else None, details, notes)


def _not_applied(config: Config, context: GateContext, reference: GateContext | None) -> list[str]:
    """Why a baseline or float-model limit is not applied (first run, a plain check)."""
    from mlops_gate.errors import GateError

    notes = []
    if config.relative and not context.has_baseline():
        first_run = context.baseline_note()
        if first_run is None:
            raise GateError(
                "max_drop/max_increase compare with a baseline, and the policy has none"
            )
        notes.append(first_run)
    if reference is None and config.vs_float:
        notes.append(FLOAT_ONLY)
    return notes


def _result(
    config: Config,
    value: float,
    baseline_value: float | None,
    details: dict[str, Any],
    notes: list[str],
) -> GateResult:
    from mlops_gate.gates.features import constant_note
    from mlops_gate.gates.metric_limits import broken_limits, summary
    from mlops_gate.results import GateResult, Verdict

    limit, details["comparator"] = _threshold(config, baseline_value, details.get("float_value"))
    failures = broken_limits(config, value, baseline_value, details)
    notes = [*notes, constant_note(details.get("constant_features", []))]
    note = "; ".join(n for n in notes if n)
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=Verdict.FAIL if failures else Verdict.PASS,
        value=value,
        threshold=limit,
        baseline_value=baseline_value,
        message=("; ".join(failures) if failures else summary(value, baseline_value, details))
        + (f" ({note})" if note else ""),
        details=details,
    )


def _details(
    config: Config,
    model: Statistic,
    value: float,
    baseline: tuple[Statistic, float] | None,
    floating: tuple[Statistic, float] | None = None,
) -> dict[str, Any]:
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


# Report pieces, found by name by the reporters (mlops_gate/reports/pieces.py).

VIEW = "mlops_gate.gates.views.metric"
"""Where reports/pieces.py finds this gate's charts, breakdown and facts."""
