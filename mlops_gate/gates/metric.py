"""`metric` gate: a model quality metric on the eval set, against limits and the baseline.

Numbers are scikit-learn's (DESIGN.md "Definitions" -> Metrics; see `mlops_gate.metrics`).

- value: `metric` of the model on `data.eval` against `data.target` (the catalogue and the
  scikit-learn function each equals: `gates/metric_catalogue.py`, docs/gates/metrics.md). Binary
  when the model's classes and the labels in the target and predictions are at most two:
  precision/recall/f1 score `pos_label` (the gate's, else `model.pos_label`), roc_auc,
  average_precision and brier use that class's probability. Otherwise precision/recall/f1 use
  `average` (macro by default), roc_auc (over the model's classes) is one-vs-rest macro, brier
  the multiclass Brier score; average_precision is binary only. Probability metrics need a
  probability output. A registered custom metric (`mlops_gate.metrics` entry point) gets
  (y_true, labels or values, the positive class's probability or the matrix or None).
- `threshold: t` (binary label metrics): a row is predicted `pos_label` when that class's
  probability is >= t, the other class otherwise, instead of the model's own labels.
- limits (`gates/limits.py`, shared by every numeric gate): `min` fails a value below it, `max`
  a value above it; `threshold` is `min` (else `max`) and `details.comparator` is "≥" or "≤" to
  match; with only change limits the threshold is the value the first one allows: baseline -
  max_drop (≥), baseline + max_increase (≤), or with `_pct` that fraction of |baseline|.
- Boundaries (every gate, `gates/base.py`): limits are inclusive and a value within a few ulps of
  its limit is at it, so a drop exactly equal to `max_drop` passes (issue 13).
- baseline: whenever the policy has one, `baseline_value` is the baseline model's metric on the same
  rows and `details.delta` = value - baseline. `max_drop` (higher-is-better metrics) fails when
  baseline - value exceeds it; `max_increase` (log_loss, brier, mae, rmse, mape) when value -
  baseline does; `max_drop_pct`/`max_increase_pct` allow that fraction of |baseline| (a
  baseline of 0 allows no worsening).
- `slice_by` / `slice`: the limits hold on every slice of the eval rows with `min_slice_rows`
  rows, `details.slices` lists each (skipped ones too), the verdict is the worst slice's
  (`gates/metric_slices.py`, after TFX's Evaluator).
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

import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mlops_gate.gates import limits
from mlops_gate.gates.metric_catalogue import BUILTIN, CLASSIFICATION, LABEL, BuiltinMetric
from mlops_gate.gates.metric_limits import threshold as _threshold  # its old name, still used

if TYPE_CHECKING:
    from mlops_gate.gates.context import GateContext
    from mlops_gate.results import GateResult

MetricName = BuiltinMetric  # the built-ins; a registered custom metric's name is valid too
LIMITS = (*limits.LIMIT_KEYS, "max_drop_vs_float", "max_increase_vs_float")
FLOAT_ONLY = "the *_vs_float limits apply to quantized variants only (check --artifacts)"
MIN_ROWS = 30  # see the module docstring: below it a metric is noise, not evidence
SliceValue = str | int | float | bool


class Config(limits.Limits):
    """Gate on a scikit-learn-defined (or registered custom) metric; `confidence` makes every
    limit pessimistic.

    Limits are inclusive (a value equal to `min`/`max`, or a drop equal to `max_drop`, passes),
    compared with a tolerance of a few ulps (docs/gates/metrics.md). An eval set under
    `min_rows` rows (default 30), a feature column the model reads that is NaN on every row, or
    a value scikit-learn calls ill-defined (e.g. recall when y_true holds no positive row) is
    `error`, never `pass`.
    """

    type: Literal["metric"]
    metric: MetricName | str = Field(
        description="A built-in metric, or a custom one registered under the entry-point "
        "group mlops_gate.metrics."
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
    threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Binary label metrics: predict pos_label where its probability is >= this "
        "(instead of the model's own labels).",
    )
    slice_by: list[str] | None = Field(
        default=None,
        min_length=1,
        description="Check the limits on every slice: each value of this column (each "
        "combination of values for several columns) with at least min_slice_rows rows.",
    )
    slice: dict[str, SliceValue] | None = Field(
        default=None,
        min_length=1,
        description="Check the limits on one slice only, e.g. {site: hospital_b}.",
    )
    min_slice_rows: int = Field(
        default=MIN_ROWS,
        ge=1,
        description="A slice with fewer rows is skipped (listed in details.slices, not "
        "checked); a `slice:` with fewer rows is an error.",
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
        if self.slice is not None:  # one slice: its values name it, e.g. metric:f1:hospital_b
            values = "_".join(re.sub(r"[^A-Za-z0-9_.-]", "_", str(v)) for v in self.slice.values())
            return f"metric:{self.metric}:{values}"
        return f"metric:{self.metric}"

    def required_inputs(self) -> frozenset[str]:
        needs = {"model", "eval", "target"}
        if self.relative:
            needs.add("baseline")
        return frozenset(needs)

    def policy_problems(self, policy: Any) -> list[tuple[str, str]]:
        """A classification metric on a regression model (or the reverse) cannot be measured."""
        task = policy.model.task if policy.model is not None else None
        if task == "regression" and self.threshold is not None:
            return [("threshold", "threshold decides classes: it does not apply to regression")]
        if task is None or self.metric not in BUILTIN:
            return []
        if (self.metric in CLASSIFICATION) == (task == "classification"):
            return []
        return [("metric", f"'{self.metric}' does not apply to a {task} model")]

    @model_validator(mode="after")
    def _limits(self) -> Config:
        from mlops_gate.gates.metric_catalogue import lower_is_better

        if all(getattr(self, name) is None for name in LIMITS):
            raise ValueError(
                "set at least one of min, max, max_drop, max_increase, max_drop_pct, "
                "max_increase_pct, max_drop_vs_float, max_increase_vs_float"
            )
        lower = lower_is_better(self.metric)  # an unknown metric: the valid names, here
        for suffix in ("", "_vs_float"):
            problem = limits.direction_problem(self.metric, lower, self, suffix)
            if problem:
                raise ValueError(problem)
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        if self.threshold is not None and self.metric in BUILTIN and self.metric not in LABEL:
            raise ValueError(f"threshold decides labels; {self.metric} does not read labels")
        if self.slice is not None and self.slice_by is not None:
            raise ValueError("set slice (one slice) or slice_by (every slice), not both")
        if (self.slice is not None or self.slice_by is not None) and self.vs_float:
            raise ValueError("the *_vs_float limits do not apply per slice")
        if self.slice_by is not None and len(set(self.slice_by)) != len(self.slice_by):
            raise ValueError("slice_by names a column twice")
        return self

    @property
    def cacheable(self) -> bool:  # type: ignore[override]
        """A custom metric's code is not among the inputs the result cache hashes: never reused."""
        return self.metric in BUILTIN

    @property
    def sliced(self) -> bool:
        """Whether the limits apply per slice (`slice_by` or `slice`)."""
        return self.slice is not None or self.slice_by is not None

    @property
    def vs_float(self) -> bool:
        """Whether a limit compares with the float model (quantized variants only)."""
        return self.max_drop_vs_float is not None or self.max_increase_vs_float is not None


def evaluate(config: Config, context: GateContext) -> GateResult:
    """The metric of the model (and of the baseline, and the float model), against every limit."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.metric_details import statistic_details
    from mlops_gate.gates.metric_scoring import measure
    from mlops_gate.metrics.errors import MetricUndefined
    from mlops_gate.results import GateResult, Verdict

    if config.sliced:
        from mlops_gate.gates.metric_slices import evaluate_slices

        return evaluate_slices(config, context, _not_applied(config, context, None))
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
        details = {**info, **statistic_details(config, model, value, baseline, floating)}
    except MetricUndefined as exc:
        raise GateError(f"{config.metric} bootstrap: {exc}") from None
    if reference is None and config.vs_float:
        details["vs_float"] = FLOAT_ONLY
    from mlops_gate.gates.metric_curves import curves  # for the HTML report (issue 17)

    details.update(curves(config, context))
    return _result(config, value, baseline[1] if baseline else None, details, notes)


def _not_applied(config: Config, context: GateContext, reference: GateContext | None) -> list[str]:
    """Why a baseline or float-model limit is not applied (first run, a plain check)."""
    from mlops_gate.errors import GateError

    notes = []
    if config.relative and not context.has_baseline():
        first_run = context.baseline_note()
        if first_run is None:
            raise GateError(
                "max_drop/max_increase(_pct) compare with a baseline, and the policy has none"
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


# Report pieces, found by name by the reporters (mlops_gate/reports/pieces.py).

VIEW = "mlops_gate.gates.views.metric"
"""Where reports/pieces.py finds this gate's charts, breakdown and facts."""
