"""Does the judge agree with people? Cohen's kappa of its scores against human labels.

The labels file (JSONL) holds rows a person scored: `input`, `output`, optional `reference`,
and `score` on the gate's scale. The judge scores the same rows with the same prompt it uses on
the model; kappa is scikit-learn's `cohen_kappa_score` (computed here with the same operations,
so that the gate does not need scikit-learn; the tests compare the two). Below
`min_agreement`, or undefined (one label only), the gate is `error`: a judge nobody can trust
cannot pass a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mlops_gate.errors import GateError, InputError
from mlops_gate.gates.judge_protocol import pointwise_prompt, read_score

if TYPE_CHECKING:
    from mlops_gate.gates.generation import GenerationSource
    from mlops_gate.gates.judge import Config

LabelRow = tuple[str, str | None, str, int]
"""A labelled row: input, reference, output and the person's score."""


def cohen_kappa(first: Sequence[int], second: Sequence[int], weights: str | None = None) -> float:
    """scikit-learn's `cohen_kappa_score(first, second, weights=weights)`; NaN where undefined."""
    labels = np.unique(np.concatenate([np.asarray(first), np.asarray(second)]))
    index = {label: i for i, label in enumerate(labels.tolist())}
    n_classes = len(labels)
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    for a, b in zip(first, second, strict=True):
        confusion[index[a], index[b]] += 1
    confusion = confusion.astype(np.float64)
    sum0, sum1 = np.sum(confusion, axis=0), np.sum(confusion, axis=1)
    denominator = np.sum(sum0)
    if denominator == 0:
        return float("nan")
    expected = np.outer(sum0, sum1) / denominator
    if weights is None:
        w_mat = np.ones([n_classes, n_classes], dtype=np.float64)
        np.fill_diagonal(w_mat, 0)
    else:
        w_mat = np.zeros([n_classes, n_classes], dtype=np.float64)
        w_mat += np.arange(n_classes)
        w_mat = np.abs(w_mat - w_mat.T) if weights == "linear" else (w_mat - w_mat.T) ** 2
    numerator, denominator = np.sum(w_mat * confusion), np.sum(w_mat * expected)
    if denominator == 0:
        return float("nan")
    return float(1 - numerator / denominator)


def calibrate(config: Config, source: GenerationSource, rubric: str) -> dict[str, Any]:
    """The judge's agreement with the labels file; GateError below `min_agreement`."""
    assert config.calibration is not None
    labels = source.read_rows(config.calibration, "human labels")
    rows = [_label_row(row, number, config) for number, row in enumerate(labels, start=1)]
    if len(rows) < 2:
        raise InputError(f"{config.calibration}: calibration needs at least 2 labelled rows")
    human = [score for *_, score in rows]
    machine = _judge_scores(config, source, rubric, rows)
    kappa = cohen_kappa(human, machine, config.kappa_weights)
    if not np.isfinite(kappa):
        raise GateError("calibration: Cohen's kappa is undefined (the labels hold one score only)")
    if kappa < config.min_agreement:
        raise GateError(
            f"the judge agrees with the human labels at Cohen's kappa {kappa:.3f}, below "
            f"min_agreement {config.min_agreement:g} ({len(rows)} rows): a judge nobody can "
            "trust cannot pass a model"
        )
    weights = config.kappa_weights or "none"
    return {
        "rows": len(rows),
        "kappa": kappa,
        "weights": weights,
        "min_agreement": config.min_agreement,
        "human": human,
        "judge": machine,
    }


def _judge_scores(
    config: Config, source: GenerationSource, rubric: str, rows: list[LabelRow]
) -> list[int]:
    """The judge's score of every labelled row; GateError when any answer is invalid."""
    prompts = [pointwise_prompt(rubric, q, ref, out, config.scale) for q, ref, out, _ in rows]
    replies = source.ask(config.judge, prompts, "calibrating the judge")
    scores = []
    for number, reply in enumerate(replies, start=1):
        verdict = read_score(reply.text, config.scale)
        if verdict.score is None:
            why = reply.error or verdict.problem
            raise GateError(
                f"calibration: the judge's answer to labelled row {number} is invalid: {why}"
            )
        scores.append(verdict.score)
    return scores


def _label_row(row: dict[str, Any], number: int, config: Config) -> LabelRow:
    where = f"{config.calibration}: row {number}"
    question, output, reference = row.get("input"), row.get("output"), row.get("reference")
    if not isinstance(question, str) or not isinstance(output, str):
        raise InputError(f"{where} needs `input` and `output` (text)")
    if reference is not None and not isinstance(reference, str):
        raise InputError(f"{where}: `reference` is not text")
    score = row.get("score")
    low, high = config.scale
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        raise InputError(f"{where}: `score` is not an integer from {low} to {high}")
    return question, reference, output, score
