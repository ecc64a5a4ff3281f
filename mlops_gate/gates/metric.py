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
- `max_drop_vs_float` / `max_increase_vs_float` (issue 3): in a quantized variant's evaluation
  (`check --artifacts dist/`), the variant's metric against the float model's on the same rows;
  `details.float_value` and `details.delta_vs_float` (= value - float), with `confidence` the upper
  bound of the paired bootstrap. Elsewhere (the float model, a plain `check`) they do not apply:
  `details.vs_float` says so, and a gate with no other limit is `skip`.
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
    from mlops_gate.gates.context import GateContext, Role
    from mlops_gate.loaders.predictions import Predictions
    from mlops_gate.metrics.bootstrap import Statistic
    from mlops_gate.results import GateResult

MetricName = Literal[
    "accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "mae", "rmse", "r2"
]
CLASSIFICATION = frozenset({"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"})
LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse"})
LIMITS = ("min", "max", "max_drop", "max_increase", "max_drop_vs_float", "max_increase_vs_float")


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
    max_drop_vs_float: float | None = Field(
        default=None,
        ge=0,
        description="In a quantized variant's evaluation (check --artifacts): fail if the metric "
        "is this much below the float model's on the same rows (higher-is-better).",
    )
    max_increase_vs_float: float | None = Field(
        default=None,
        ge=0,
        description="In a quantized variant's evaluation (check --artifacts): fail if the metric "
        "is this much above the float model's on the same rows (lower-is-better).",
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


def evaluate(config: Config, context: GateContext) -> GateResult:
    """The metric of the model (and of the baseline, and the float model), against every limit."""
    from mlops_gate.errors import GateError
    from mlops_gate.metrics.errors import MetricUndefined
    from mlops_gate.results import GateResult, Verdict

    relative = config.max_drop is not None or config.max_increase is not None
    first_run = context.baseline_note() if relative and not context.has_baseline() else None
    if relative and not context.has_baseline() and first_run is None:
        raise GateError("max_drop/max_increase compare with a baseline, and the policy has none")
    wants_float = config.max_drop_vs_float is not None or config.max_increase_vs_float is not None
    reference = context.float_reference() if wants_float else None
    float_note = _vs_float_note(config, reference)
    not_applied = [note for note in (first_run, float_note) if note]
    baseline_applies = relative and first_run is None
    if config.min is None and config.max is None and not baseline_applies and reference is None:
        return GateResult(
            id=config.gate_id,
            type=config.type,
            verdict=Verdict.SKIP,
            message="; ".join(not_applied),
        )
    model, value, info = _measure(config, context, "model")
    baseline = _measure(config, context, "baseline")[:2] if context.has_baseline() else None
    floating = _measure(config, reference, "model")[:2] if reference is not None else None
    try:
        details = {**info, **_details(config, model, value, baseline, floating)}
    except MetricUndefined as exc:
        raise GateError(f"{config.metric} bootstrap: {exc}") from None
    if float_note:
        details["vs_float"] = float_note
    baseline_value = baseline[1] if baseline else None
    threshold, details["comparator"] = _threshold(
        config, baseline_value, floating[1] if floating else None
    )
    failures = _failures(config, value, baseline_value, details)
    note = f" ({'; '.join(not_applied)})" if not_applied else ""
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=Verdict.FAIL if failures else Verdict.PASS,
        value=value,
        threshold=threshold,
        baseline_value=baseline_value,
        message=("; ".join(failures) if failures else _summary(value, baseline_value, details))
        + note,
        details=details,
    )


def _vs_float_note(config: Config, reference: GateContext | None) -> str | None:
    if reference is not None:
        return None
    if config.max_drop_vs_float is None and config.max_increase_vs_float is None:
        return None
    return "the *_vs_float limits apply to quantized variants only (check --artifacts)"


def _measure(
    config: Config, context: GateContext, role: Role
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
    config: Config, context: GateContext, target: Any, predictions: Predictions
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
    # The few distinct labels, not a Python list of every row (issue #8: 50M rows took gigabytes).
    known = {
        *measure.distinct_labels(target, "y_true"),
        *measure.distinct_labels(labels, "y_pred"),
        *(classes or ()),
    }
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


def _threshold(
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
    lower_is_better = config.metric in LOWER_IS_BETTER
    for prefix, against, reference, limit in (
        (
            "delta",
            "baseline",
            baseline,
            config.max_increase if lower_is_better else config.max_drop,
        ),
        (
            "delta_vs_float",
            "float model",
            details.get("float_value"),
            config.max_increase_vs_float if lower_is_better else config.max_drop_vs_float,
        ),
    ):
        if reference is None or limit is None:
            continue
        delta = details[prefix]
        # Pessimistic: the upper end of an increase's interval, minus the lower end of a delta's.
        if lower_is_better:
            word, worse = "increase", details.get(f"{prefix}_ci_high", delta)
        else:
            word, worse = "drop", -details.get(f"{prefix}_ci_low", delta)
        if worse > limit:
            key = f"max_{word}" + ("_vs_float" if prefix == "delta_vs_float" else "")
            failures.append(
                f"{name} {word}{bound} {worse:.3g} from {against} {reference:.6g} "
                f"exceeds {key} {limit:g} by {worse - limit:.3g}"
            )
    return failures


def _summary(value: float, baseline: float | None, details: dict[str, Any]) -> str:
    text = f"{details['metric']} {value:.6g}"
    if "confidence" in details:
        level = f"{details['confidence'] * 100:g}%"
        text += f" ({level} CI {details['ci_low']:.6g} to {details['ci_high']:.6g})"
    if baseline is not None:
        text += f", baseline {baseline:.6g} (delta {details['delta']:+.3g})"
    if "float_value" in details:
        text += f", float model {details['float_value']:.6g} ({details['delta_vs_float']:+.3g})"
    return text + ": within every limit"


# Report pieces, found by name by the reporters (mlops_gate/reports/pieces.py).


def charts(result: GateResult) -> list[str]:
    """The value with its confidence interval, against the champion and the threshold."""
    from mlops_gate.render import svg
    from mlops_gate.render.charts_common import CHAMPION, COLORS, CURRENT, limit_rule, num

    if result.value is None:
        return []
    low, high = num(result.details.get("ci_low")), num(result.details.get("ci_high"))
    rows: list[tuple[str, float, float | None, float | None, str]] = [
        ("this model", result.value, low, high, COLORS.get(result.verdict, CURRENT))
    ]
    if result.baseline_value is not None:
        rows.append(("champion", result.baseline_value, None, None, CHAMPION))
    rules = limit_rule("threshold", result.threshold)
    interval = " with its confidence interval" if low is not None and high is not None else ""
    return [svg.intervals(f"{result.id}{interval}, against the champion", rows, rules)]


def facts(result: GateResult) -> list[str]:
    """The confidence interval's bounds as numbers (the chart shows them only as a bar)."""
    from mlops_gate.render.formatting import number

    low, high = result.details.get("ci_low"), result.details.get("ci_high")
    if isinstance(low, int | float) and isinstance(high, int | float):
        return [f"confidence interval {number(float(low))} to {number(float(high))}"]
    return []
