"""The `judge` gate's two modes on the model's outputs: pointwise scores and pairwise
comparison with the baseline (both orders), each with its bootstrap interval; and `Metered`, the
generation source that keeps the judge's replies for the calls, tokens and cost they took."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mlops_gate.gates.base import is_below
from mlops_gate.gates.generation import GenerationSet, GenerationSource, Reply, Role

if TYPE_CHECKING:
    from mlops_gate.gates.judge import Config
    from mlops_gate.gates.judge_protocol import Verdict
    from mlops_gate.policy.generation import EndpointSpec


class Metered:
    """The generation source, keeping the judge's replies (their calls, tokens and cost)."""

    def __init__(self, source: GenerationSource) -> None:
        self.source = source
        self.replies: list[Reply] = []

    def outputs(self, role: Role = "model") -> GenerationSet:
        return self.source.outputs(role)

    def ask(self, endpoint: EndpointSpec, prompts: Sequence[str], what: str) -> list[Reply]:
        replies = self.source.ask(endpoint, prompts, what)
        self.replies += replies
        return replies

    def read_text(self, path: str, what: str) -> str:
        return self.source.read_text(path, what)

    def read_rows(self, path: str, what: str) -> list[dict[str, Any]]:
        return self.source.read_rows(path, what)

    def read_json(self, path: str, what: str) -> Any:
        return self.source.read_json(path, what)


def pointwise(
    config: Config,
    source: GenerationSource,
    rubric: str,
    model: GenerationSet,
    details: dict[str, Any],
) -> list[str]:
    """Score every output; the mean score (rescaled to 0-1) must reach `min`."""
    from mlops_gate.gates.judge_protocol import pointwise_prompt, read_score

    prompts = [
        pointwise_prompt(rubric, row.input, row.reference, text, config.scale)
        for row, text in zip(model.rows, model.outputs, strict=True)
    ]
    replies = source.ask(config.judge, prompts, "judging the outputs")
    verdicts = [read_score(reply.text, config.scale) for reply in replies]
    ids = [row.id for row in model.rows]
    _refuse_invalid(ids, verdicts, [r.error for r in replies])
    low, high = config.scale
    scores = [float(((v.score or 0) - low) / (high - low)) for v in verdicts]
    value, bounds = _mean_with_interval(config, scores)
    order = sorted(range(len(ids)), key=lambda i: scores[i])[: config.worst_rows]
    by_id = {key: verdict.score for key, verdict in zip(ids, verdicts, strict=True)}
    details["score"] = {"value": value, **bounds, "scores": by_id}
    details["lowest"] = [
        {"id": ids[i], "score": verdicts[i].score, "reason": verdicts[i].reason} for i in order
    ]
    return _below(config, bounds.get("ci_low", value), config.min, "judge score", "min")


def pairwise(
    config: Config,
    source: GenerationSource,
    rubric: str,
    model: GenerationSet,
    details: dict[str, Any],
) -> list[str]:
    """Compare every output with the baseline's, both orders; the win rate must reach
    `min_win_rate`."""
    from mlops_gate.gates.judge_protocol import pairwise_prompt, read_winner

    baseline = source.outputs("baseline")
    prompts: list[str] = []
    for row, mine, theirs in zip(model.rows, model.outputs, baseline.outputs, strict=True):
        prompts.append(pairwise_prompt(rubric, row.input, row.reference, mine, theirs))
        prompts.append(pairwise_prompt(rubric, row.input, row.reference, theirs, mine))
    replies = source.ask(config.judge, prompts, "comparing with the baseline")
    verdicts = [read_winner(reply.text) for reply in replies]
    ids = [row.id for row in model.rows]
    _refuse_invalid([i for i in ids for _ in (0, 1)], verdicts, [r.error for r in replies])
    pairs = [(verdicts[2 * i], verdicts[2 * i + 1]) for i in range(len(ids))]
    details["pairwise"] = _pair_details(config, ids, pairs)
    found = details["pairwise"]
    return _below(
        config,
        found.get("ci_low", found["win_rate"]),
        config.min_win_rate,
        "win rate",
        "min_win_rate",
    )


def _pair_details(
    config: Config, ids: list[str], pairs: list[tuple[Verdict, Verdict]]
) -> dict[str, Any]:
    """Wins, losses and ties (a row is won only when both orders agree), the win rate with its
    interval, and how often the two orders disagreed."""
    from mlops_gate.gates.judge_protocol import pair_outcome

    swap = {"A": "B", "B": "A"}
    outcomes = [pair_outcome(first, second) for first, second in pairs]
    disagree = sum(
        (first.winner or "") != swap.get(second.winner or "", "tie") for first, second in pairs
    )
    value, bounds = _mean_with_interval(config, outcomes)
    losses = [i for i, outcome in enumerate(outcomes) if outcome == 0.0][: config.worst_rows]
    return {
        "win_rate": value,
        **bounds,
        "wins": outcomes.count(1.0),
        "losses": outcomes.count(0.0),
        "ties": outcomes.count(0.5),
        "position_inconsistency": disagree / len(ids),
        "outcomes": dict(zip(ids, outcomes, strict=True)),
        "lost": [{"id": ids[i], "reason": pairs[i][0].reason} for i in losses],
    }


def _below(config: Config, checked: float, limit: float | None, what: str, key: str) -> list[str]:
    if limit is None or not is_below(checked, limit):
        return []
    bound = f" ({config.confidence * 100:g}% bound)" if config.confidence is not None else ""
    return [f"{what} {checked:.3g}{bound} is below {key} {limit:g}"]


def _refuse_invalid(ids: list[str], verdicts: list[Any], errors: list[str | None]) -> None:
    from mlops_gate.errors import GateError

    bad = [
        (key, error or v.problem)
        for key, v, error in zip(ids, verdicts, errors, strict=True)
        if v.problem
    ]
    if bad:
        shown = "; ".join(f"{key!r}: {why}" for key, why in bad[:3])
        raise GateError(f"{len(bad)} of {len(ids)} judge answers are invalid: {shown}")


def _mean_with_interval(config: Config, values: list[float]) -> tuple[float, dict[str, float]]:
    from mlops_gate.gates.text_scoring import mean_statistic
    from mlops_gate.metrics.bootstrap import bootstrap_ci

    statistic = mean_statistic(values)
    if config.confidence is None:
        return statistic.point(), {}
    interval = bootstrap_ci(
        statistic, confidence=config.confidence, n_resamples=config.n_resamples, seed=config.seed
    )
    return interval.point, {"ci_low": interval.low, "ci_high": interval.high}
