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
- baseline: whenever the policy has one, `baseline_value` is the baseline model's metric on the same
  rows and `details.delta` = value - baseline. `max_drop` (higher-is-better metrics) fails when
  baseline - value exceeds it; `max_increase` (log_loss, mae, rmse) when value - baseline does.
- `confidence: c` makes every limit pessimistic, on two-sided level-c percentile bootstrap intervals
  (`n_resamples` resamples of the eval rows, `default_rng(seed)`): `min` is checked against the
  interval's lower bound, `max` against its upper bound, and `max_drop`/`max_increase` against the
  upper bound of the paired bootstrap of the drop/increase (both models on the same resampled
  rows). details then hold ci_low, ci_high, confidence, n_resamples, seed and, with a baseline,
  delta_ci_low/delta_ci_high (the interval of value - baseline).
- fail when any limit is broken: the message names each broken limit and by how much, on one line.
- error, never pass, when the gate cannot decide: NaN/inf in targets, predictions or scores, an
  empty eval set, a single class for roc_auc (or in a bootstrap resample), no probability output
  for roc_auc/log_loss, labels that cannot be compared with the targets, a metric of the other task.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig

if TYPE_CHECKING:
    from mlops_gate.context import EvaluationContext, Role
    from mlops_gate.loaders.predictions import Predictions
    from mlops_gate.metrics.bootstrap import Statistic
    from mlops_gate.results import GateResult

MetricName = Literal[
    "accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "mae", "rmse", "r2"
]
CLASSIFICATION = frozenset({"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"})
LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse"})


class Config(GateConfig):
    """Gate on a scikit-learn-defined metric; `confidence` makes every limit pessimistic."""

    type: Literal["metric"]
    metric: MetricName
    min: float | None = Field(default=None, description="Fail below this value.")
    max: float | None = Field(default=None, description="Fail above this value.")
    max_drop: float | None = Field(
        default=None,
        ge=0,
        description="Fail if the metric is this much below the baseline's (higher-is-better).",
    )
    max_increase: float | None = Field(
        default=None,
        ge=0,
        description="Fail if the metric is this much above the baseline's (lower-is-better).",
    )
    confidence: float | None = Field(
        default=None,
        gt=0.5,
        lt=1,
        description="Gate on this bootstrap confidence bound instead of the point value.",
    )
    n_resamples: int = Field(default=1000, ge=100, le=100_000, description="Bootstrap resamples.")
    seed: int = Field(default=0, description="Bootstrap seed (reported).")
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

    @model_validator(mode="after")
    def _limits(self) -> Config:
        if all(v is None for v in (self.min, self.max, self.max_drop, self.max_increase)):
            raise ValueError("set at least one of min, max, max_drop, max_increase")
        if self.max_drop is not None and self.metric in LOWER_IS_BETTER:
            raise ValueError(f"{self.metric} is lower-is-better: use max_increase, not max_drop")
        if self.max_increase is not None and self.metric not in LOWER_IS_BETTER:
            raise ValueError(f"{self.metric} is higher-is-better: use max_drop, not max_increase")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self


def evaluate(config: Config, context: EvaluationContext) -> GateResult:
    """The metric of the model (and of the baseline), checked against every limit."""
    from mlops_gate.errors import GateError
    from mlops_gate.metrics.errors import MetricUndefined
    from mlops_gate.results import GateResult, Verdict

    relative = config.max_drop is not None or config.max_increase is not None
    first_run = context.baseline_note() if relative and not context.has_baseline() else None
    if relative and not context.has_baseline() and first_run is None:
        raise GateError("max_drop/max_increase compare with a baseline, and the policy has none")
    if first_run is not None and config.min is None and config.max is None:
        return GateResult(
            id=config.id or config.default_id(),
            type=config.type,
            verdict=Verdict.SKIP,
            message=first_run,
        )
    model, value, info = _measure(config, context, "model")
    baseline = _measure(config, context, "baseline")[:2] if context.has_baseline() else None
    try:
        details = {**info, **_details(config, model, value, baseline)}
    except MetricUndefined as exc:
        raise GateError(f"{config.metric} bootstrap: {exc}") from None
    baseline_value = baseline[1] if baseline else None
    threshold, details["comparator"] = _threshold(config, baseline_value)
    failures = _failures(config, value, baseline_value, details)
    return GateResult(
        id=config.id or config.default_id(),
        type=config.type,
        verdict=Verdict.FAIL if failures else Verdict.PASS,
        value=value,
        threshold=threshold,
        baseline_value=baseline_value,
        message=("; ".join(failures) if failures else _summary(value, baseline_value, details))
        + (f" ({first_run})" if first_run else ""),
        details=details,
    )


def _measure(
    config: Config, context: EvaluationContext, role: Role
) -> tuple[Statistic, float, dict[str, Any]]:
    """The metric of `role` on the eval rows: its statistic, point value and how it was scored."""
    from mlops_gate.errors import GateError
    from mlops_gate.metrics.errors import MetricUndefined

    is_classification = config.metric in CLASSIFICATION
    if is_classification != (context.task == "classification"):
        kind = "classification" if is_classification else "regression"
        raise GateError(f"{config.metric} is a {kind} metric but model.task is {context.task}")
    target = context.target("eval")
    if len(target) == 0:
        raise GateError(f"{context.dataset_path('eval')}: the eval set has no rows")
    predictions = context.predictions(role, "eval")
    try:
        if is_classification:
            statistic, info = _classification(config, context, target, predictions)
        else:
            statistic, info = _regression(config, target, predictions), {}
        return statistic, statistic.point(), info
    except MetricUndefined as exc:
        raise GateError(f"{config.metric} of the {role}: {exc}") from None


def _regression(config: Config, target: Any, predictions: Predictions) -> Statistic:
    from mlops_gate.errors import GateError
    from mlops_gate.metrics.regression import regression_statistic

    if predictions.values is None:
        raise GateError("the model has no regression output")
    metric = cast(Literal["mae", "rmse", "r2"], config.metric)
    return regression_statistic(metric, target, predictions.values)


def _classification(
    config: Config, context: EvaluationContext, target: Any, predictions: Predictions
) -> tuple[Statistic, dict[str, Any]]:
    """Binary (at most two classes, scored on pos_label) or multiclass; see the module docstring."""
    from mlops_gate.errors import GateError
    from mlops_gate.metrics import classification as measure

    wanted = config.pos_label if config.pos_label is not None else context.pos_label
    classes = predictions.classes
    if config.metric in ("roc_auc", "log_loss"):
        proba = predictions.require_proba()
        if classes is None:
            raise GateError("the order of the model's classes is unknown: set model.classes")
        if config.metric == "log_loss":
            return measure.log_loss_statistic(target, proba, classes), {}
        if len(classes) > 2:
            return measure.roc_auc_statistic(target, proba, classes=classes), {"average": "macro"}
        pos = _match_label(wanted, classes)
        statistic = measure.roc_auc_statistic(target, proba, pos_label=pos, classes=classes)
        return statistic, {"pos_label": pos}
    labels = predictions.require_labels()
    metric = cast(Literal["accuracy", "precision", "recall", "f1"], config.metric)
    known = {*target.tolist(), *labels.tolist(), *(classes or ())}
    if len(known) > 2:
        statistic = measure.label_statistic(metric, target, labels, average=config.average)
        return statistic, {} if metric == "accuracy" else {"average": config.average}
    pos = _match_label(wanted, known)
    statistic = measure.label_statistic(metric, target, labels, average="binary", pos_label=pos)
    return statistic, {} if metric == "accuracy" else {"pos_label": pos}


def _match_label(wanted: Any, labels: Iterable[Any]) -> Any:
    """The label equal to `wanted`, else the one spelled the same (`pos_label: "1"` for 1)."""
    candidates = [label.item() if hasattr(label, "item") else label for label in labels]
    exact = [label for label in candidates if label == wanted]
    spelled = [label for label in candidates if str(label) == str(wanted)]
    return (exact or spelled or [wanted])[0]


def _details(
    config: Config, model: Statistic, value: float, baseline: tuple[Statistic, float] | None
) -> dict[str, Any]:
    from mlops_gate.metrics.bootstrap import bootstrap_ci, paired_bootstrap

    limits = ("min", "max", "max_drop", "max_increase")
    details: dict[str, Any] = {"metric": config.metric, "rows": model.n}
    details.update(
        {name: getattr(config, name) for name in limits if getattr(config, name) is not None}
    )
    if baseline is not None:
        details["delta"] = value - baseline[1]
    if config.confidence is None:
        return details
    level, n, seed = config.confidence, config.n_resamples, config.seed
    interval = bootstrap_ci(model, confidence=level, n_resamples=n, seed=seed)
    details.update(ci_low=interval.low, ci_high=interval.high)
    details.update(confidence=level, n_resamples=n, seed=seed)
    if baseline is not None:
        paired = paired_bootstrap(model, baseline[0], confidence=level, n_resamples=n, seed=seed)
        details.update(delta_ci_low=paired.low, delta_ci_high=paired.high)
    return details


def _threshold(config: Config, baseline_value: float | None) -> tuple[float | None, str]:
    if config.min is not None:
        return config.min, "≥"
    if config.max is not None:
        return config.max, "≤"
    if baseline_value is None:
        return None, "≥"
    if config.max_drop is not None:
        return baseline_value - config.max_drop, "≥"
    return baseline_value + (config.max_increase or 0.0), "≤"


def _failures(
    config: Config, value: float, baseline: float | None, details: dict[str, Any]
) -> list[str]:
    """One phrase per broken limit, naming the limit and by how much it is broken."""
    name, failures = config.metric, []
    bound = f" ({details['confidence'] * 100:g}% bound)" if "confidence" in details else ""
    low, high = details.get("ci_low", value), details.get("ci_high", value)
    if config.min is not None and low < config.min:
        failures.append(
            f"{name}{bound} {low:.6g} is below min {config.min:g} by {config.min - low:.3g}"
        )
    if config.max is not None and high > config.max:
        failures.append(
            f"{name}{bound} {high:.6g} is above max {config.max:g} by {high - config.max:.3g}"
        )
    if baseline is None:
        return failures
    delta = details["delta"]
    if config.metric in LOWER_IS_BETTER:
        word, limit, worse = "increase", config.max_increase, details.get("delta_ci_high", delta)
    else:  # the pessimistic drop is minus the lower end of the paired delta's interval
        word, limit, worse = "drop", config.max_drop, -details.get("delta_ci_low", delta)
    if limit is not None and worse > limit:
        failures.append(
            f"{name} {word}{bound} {worse:.3g} from baseline {baseline:.6g} "
            f"exceeds max_{word} {limit:g} by {worse - limit:.3g}"
        )
    return failures


def _summary(value: float, baseline: float | None, details: dict[str, Any]) -> str:
    text = f"{details['metric']} {value:.6g}"
    if "confidence" in details:
        level = f"{details['confidence'] * 100:g}%"
        text += f" ({level} CI {details['ci_low']:.6g} to {details['ci_high']:.6g})"
    if baseline is not None:
        text += f", baseline {baseline:.6g} (delta {details['delta']:+.3g})"
    return text + ": within every limit"
