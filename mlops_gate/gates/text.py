"""`text` gate: a reference-based text metric of generated outputs, against limits and a baseline.

Numbers are the libraries' own (gates/text_scoring.py): `bleu`, `chrf`, `ter` are sacrebleu's
corpus scores (0-100), `rouge1`, `rouge2`, `rougeL` rouge-score's mean F1 and `exact_match`,
`f1` the SQuAD definitions (0-1). The outputs are the model's on `data.eval` (matched by id;
engine/generation.py); a row without an output or without a `reference` is `error`.

- limits (`gates/limits.py`, shared by every numeric gate): `min`/`max` are inclusive; with
  `confidence: c` they are checked against the bound of the level-c percentile bootstrap
  interval over rows (mlops_gate/metrics/bootstrap.py).
- baseline: when the policy has one, `baseline_value` is its score on the same rows and
  `details.delta` = value - baseline; `max_drop` (higher-is-better) / `max_increase` (ter), and
  their `_pct` forms (a fraction of the baseline's score), are checked against the paired
  bootstrap bound of the difference (both on the same resampled rows).
- details: the row scores by id (`row_scores`, and `baseline_row_scores`), the worst rows with
  their text, and where the outputs came from (`generation`: model, endpoint, params, sha256 of
  prompt, eval file and outputs, calls and cost).
- error, never pass: fewer rows than `min_rows`, a missing output or reference, a bootstrap
  that cannot be computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mlops_gate.gates import limits

if TYPE_CHECKING:
    from mlops_gate.gates.context import GateContext
    from mlops_gate.gates.generation import GenerationSet
    from mlops_gate.gates.text_scoring import Scored
    from mlops_gate.results import GateResult

TextMetric = Literal["bleu", "chrf", "ter", "rouge1", "rouge2", "rougeL", "exact_match", "f1"]
MIN_ROWS = 30
WORST_ROWS = 5
EXCERPT = 300  # characters of an output or reference kept in the details


class Config(limits.Limits):
    """Gate on a text metric of the generated outputs against each row's `reference`.

    Limits (`min`, `max`, `max_drop`, `max_increase` and their `_pct` forms; ter is the only
    lower-is-better metric) are the shared ones of `gates/limits.py`: inclusive, ulp-tolerant.
    """

    type: Literal["text"]
    metric: TextMetric
    confidence: float | None = Field(
        default=None, gt=0.5, lt=1, description="Gate on this bootstrap confidence bound."
    )
    n_resamples: int = Field(default=1000, ge=100, le=100_000, description="Bootstrap resamples.")
    seed: int = Field(default=0, ge=0, description="Bootstrap seed (reported).")
    min_rows: int = Field(default=MIN_ROWS, ge=1, description="Fewer eval rows is an error.")
    tokenize: Literal["13a", "intl", "char", "none"] = Field(
        default="13a", description="bleu: sacrebleu's tokenizer."
    )
    lowercase: bool = Field(default=False, description="bleu, chrf: compare lower-cased text.")
    use_stemmer: bool = Field(default=True, description="rouge*: Porter-stem tokens (rouge-score).")
    worst_rows: int = Field(default=WORST_ROWS, ge=0, le=100, description="Lowest rows reported.")

    requires = frozenset({"model", "eval"})

    def default_id(self) -> str:
        return f"text:{self.metric}"

    def required_inputs(self) -> frozenset[str]:
        return self.requires | ({"baseline"} if self.relative else set())

    def policy_problems(self, policy: Any) -> list[tuple[str, str]]:
        if policy.model is not None and policy.model.task != "generation":
            return [("type", "text gates score generated text: set model.task: generation")]
        return []

    @model_validator(mode="after")
    def _limits(self) -> Config:
        if not limits.set_limits(self):
            raise ValueError(
                "set at least one of min, max, max_drop, max_increase, max_drop_pct, "
                "max_increase_pct"
            )
        problem = limits.direction_problem(self.metric, self.metric == "ter", self)
        if problem:
            raise ValueError(problem)
        return self


def evaluate(config: Config, context: GateContext) -> GateResult:
    """The metric of the model's outputs (and the baseline's), against every limit."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.generation import provenance_details
    from mlops_gate.metrics.errors import MetricUndefined

    source = context.generation()
    model = source.outputs("model")
    if len(model.rows) < config.min_rows:
        raise GateError(f"{len(model.rows)} eval rows, fewer than min_rows {config.min_rows}")
    scored = _score(config, model)
    baseline = _score(config, source.outputs("baseline")) if context.has_baseline() else None
    try:
        details = _details(config, model, scored, baseline)
    except MetricUndefined as exc:
        raise GateError(f"{config.metric} bootstrap: {exc}") from None
    details["generation"] = provenance_details(context, baseline is not None)
    return _result(config, scored.value, baseline.value if baseline else None, details)


def _score(config: Config, outputs: GenerationSet) -> Scored:
    from mlops_gate.gates.text_scoring import score

    return score(config.metric, outputs.outputs, outputs.references(), config)


def _details(
    config: Config, model: GenerationSet, scored: Scored, baseline: Scored | None
) -> dict[str, Any]:
    from mlops_gate.metrics.bootstrap import bootstrap_ci, paired_bootstrap

    ids = [row.id for row in model.rows]
    details: dict[str, Any] = {"metric": config.metric, "rows": len(ids)}
    details["row_scores"] = dict(zip(ids, scored.rows, strict=True))
    if baseline is not None:
        details["delta"] = scored.value - baseline.value
        details["baseline_row_scores"] = dict(zip(ids, baseline.rows, strict=True))
    details["worst"] = _worst(config, model, scored)
    if config.confidence is None:
        return details
    level, n, seed = config.confidence, config.n_resamples, config.seed
    interval = bootstrap_ci(scored.statistic, confidence=level, n_resamples=n, seed=seed)
    details.update(ci_low=interval.low, ci_high=interval.high)
    details.update(confidence=level, n_resamples=n, seed=seed)
    if baseline is not None:
        paired = paired_bootstrap(
            scored.statistic, baseline.statistic, confidence=level, n_resamples=n, seed=seed
        )
        details.update(delta_ci_low=paired.low, delta_ci_high=paired.high)
    return details


def _worst(config: Config, model: GenerationSet, scored: Scored) -> list[dict[str, Any]]:
    """The lowest-scoring rows (highest for ter), with excerpts of their text."""
    order = sorted(range(len(scored.rows)), key=lambda i: scored.rows[i])
    if config.metric == "ter":
        order.reverse()
    return [
        {
            "id": model.rows[i].id,
            "score": scored.rows[i],
            "output": model.outputs[i][:EXCERPT],
            "reference": (model.rows[i].reference or "")[:EXCERPT],
        }
        for i in order[: config.worst_rows]
    ]


def _result(
    config: Config, value: float, baseline: float | None, details: dict[str, Any]
) -> GateResult:
    from mlops_gate.results import GateResult, Verdict

    failures = _broken(config, value, baseline, details)
    summary = f"{config.metric} {value:.4g}"
    if "ci_low" in details:
        summary += f" ({details['confidence'] * 100:g}% CI {details['ci_low']:.4g} to {details['ci_high']:.4g})"
    if baseline is not None:
        summary += f", baseline {baseline:.4g} (delta {details['delta']:+.3g})"
    threshold, _ = limits.threshold(config, config.metric == "ter", [(baseline, "")])
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=Verdict.FAIL if failures else Verdict.PASS,
        value=value,
        threshold=threshold,
        baseline_value=baseline,
        message="; ".join(failures) if failures else summary + ": within every limit",
        details=details,
    )


def _broken(
    config: Config, value: float, baseline: float | None, details: dict[str, Any]
) -> list[str]:
    """One phrase per broken limit (pessimistic bounds when a confidence is asked)."""
    return limits.broken_limits(
        config,
        config.metric,
        value,
        lower_is_better=config.metric == "ter",
        details=details,
        reference=baseline,
    )


# Report pieces, found by name by the reporters (mlops_gate/reports/pieces.py).

VIEW = "mlops_gate.gates.views.text"
"""Where reports/pieces.py finds this gate's charts, breakdown and facts."""
