"""`judge` gate: a judge model scores the outputs by a rubric, and compares them with the baseline.

- pointwise (`min`): the judge scores every row's output from `scale` low to high with a reason;
  value = the mean score rescaled to 0-1, (mean - low) / (high - low).
- pairwise (`min_win_rate`): the judge compares the model's and the baseline's output on every
  row, twice, positions swapped; a row is a win or a loss only when both orders agree, else a
  tie (gates/judge_protocol.py). win rate = (wins + ties / 2) / rows.
- `confidence`: the bounds of the percentile bootstrap intervals over rows are gated instead.
- calibration: the judge first scores `calibration` (rows a person scored); Cohen's kappa of the
  two must reach `min_agreement`, else `error` (gates/judge_calibration.py). Without labels the
  gate is `error` unless `allow_uncalibrated: true`, and then at best `warn`.
- error, never pass: an invalid judge answer (no JSON, a score off the scale, a failed call) on
  any row, a missing output, fewer rows than `min_rows`, an empty or missing rubric.
details: the scores and outcomes by id, the lowest rows with the judge's reasons, the position
inconsistency (rows whose two orders disagreed), the calibration, and the outputs' provenance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig
from mlops_gate.policy.generation import EndpointSpec

if TYPE_CHECKING:
    from mlops_gate.gates.context import GateContext
    from mlops_gate.results import GateResult


class Config(GateConfig):
    """A rubric-following judge model scores and compares the outputs; calibrated on labels."""

    type: Literal["judge"]
    judge: EndpointSpec = Field(description="The judge model's endpoint (same keys as `model`).")
    rubric: str = Field(description="The rubric, a Markdown file sent to the judge.")
    scale_min: int = Field(default=1, description="The lowest score on the rubric's scale.")
    scale_max: int = Field(default=5, description="The highest score on the rubric's scale.")
    min: float | None = Field(
        default=None, ge=0, le=1, description="Fail below this mean score, rescaled to 0-1."
    )
    min_win_rate: float | None = Field(
        default=None, ge=0, le=1, description="Fail below this win rate against the baseline."
    )
    confidence: float | None = Field(
        default=None, gt=0.5, lt=1, description="Gate on this bootstrap confidence bound."
    )
    n_resamples: int = Field(default=1000, ge=100, le=100_000, description="Bootstrap resamples.")
    seed: int = Field(default=0, ge=0, description="Bootstrap seed (reported).")
    calibration: str | None = Field(
        default=None, description="Human labels (JSONL: input, output, reference, score)."
    )
    min_agreement: float = Field(
        default=0.6, ge=-1, le=1, description="Error when Cohen's kappa with the labels is lower."
    )
    kappa_weights: Literal["linear", "quadratic"] | None = Field(
        default=None, description="Weighted kappa for an ordinal scale (default: unweighted)."
    )
    allow_uncalibrated: bool = Field(
        default=False, description="Without `calibration`: warn instead of error."
    )
    min_rows: int = Field(default=30, ge=1, description="Fewer eval rows is an error.")
    worst_rows: int = Field(default=5, ge=0, le=100, description="Lowest rows reported.")

    requires = frozenset({"model", "eval"})

    def default_id(self) -> str:
        return "judge"

    @property
    def scale(self) -> tuple[int, int]:
        return self.scale_min, self.scale_max

    def required_inputs(self) -> frozenset[str]:
        return self.requires | ({"baseline"} if self.min_win_rate is not None else set())

    def input_paths(self) -> dict[str, str]:
        found = {"rubric": self.rubric}
        if self.calibration is not None:
            found["calibration"] = self.calibration
        return found

    def policy_problems(self, policy: Any) -> list[tuple[str, str]]:
        if policy.model is not None and policy.model.task != "generation":
            return [("type", "a judge scores generated text: set model.task: generation")]
        return []

    @model_validator(mode="after")
    def _limits(self) -> Config:
        if self.min is None and self.min_win_rate is None:
            raise ValueError("set `min` (pointwise scores), `min_win_rate` (pairwise) or both")
        if self.scale_min >= self.scale_max:
            raise ValueError("scale_min must be below scale_max")
        return self


def evaluate(config: Config, context: GateContext) -> GateResult:
    """Calibrate, then score and/or compare; every limit on the pessimistic bound if asked."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.generation import call_usage, provenance_details
    from mlops_gate.gates.judge_calibration import calibrate
    from mlops_gate.gates.judge_scoring import Metered, pairwise, pointwise

    source = Metered(context.generation())
    rubric = source.read_text(config.rubric, "rubric")
    if not rubric.strip():
        raise GateError(f"{config.rubric}: the rubric is empty")
    model = source.outputs("model")
    if len(model.rows) < config.min_rows:
        raise GateError(f"{len(model.rows)} eval rows, fewer than min_rows {config.min_rows}")
    details: dict[str, Any] = {
        "judge": {"model": config.judge.model, "endpoint": config.judge.endpoint}
    }
    if config.calibration is not None:
        details["calibration"] = calibrate(config, source, rubric)
    elif not config.allow_uncalibrated:
        raise GateError(
            "the judge has no `calibration` (human labels): a judge nobody checked cannot pass "
            "a model; set calibration, or allow_uncalibrated: true to warn instead"
        )
    failures: list[str] = []
    if config.min is not None:
        failures += pointwise(config, source, rubric, model, details)
    if config.min_win_rate is not None:
        failures += pairwise(config, source, rubric, model, details)
    details["generation"] = provenance_details(context, config.min_win_rate is not None)
    details["judge"]["usage"] = call_usage(source.replies, config.judge.price)
    return _result(config, details, failures)


def _result(config: Config, details: dict[str, Any], failures: list[str]) -> GateResult:
    from mlops_gate.results import GateResult, Verdict

    score, pair = details.get("score"), details.get("pairwise")
    value = score["value"] if score else pair["win_rate"] if pair else None
    parts = [f"judge score {score['value']:.3g}"] if score else []
    parts += [f"win rate {pair['win_rate']:.3g} ({pair['ties']} ties)"] if pair else []
    calibration = details.get("calibration")
    parts += (
        [f"kappa {calibration['kappa']:.3g} on {calibration['rows']} labelled rows"]
        if calibration
        else ["uncalibrated judge"]
    )
    verdict = Verdict.FAIL if failures else Verdict.PASS if calibration else Verdict.WARN
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=verdict,
        value=value,
        threshold=config.min if config.min is not None else config.min_win_rate,
        message="; ".join(failures) if failures else ", ".join(parts),
        details=details,
    )


# Report pieces, found by name by the reporters (mlops_gate/reports/pieces.py).

VIEW = "mlops_gate.gates.views.judge"
"""Where reports/pieces.py finds this gate's charts, breakdown and facts."""
