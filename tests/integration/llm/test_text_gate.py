"""The text gate's numbers are the libraries' own: sacrebleu's corpus BLEU/chrF/TER, rouge-score's
mean F1, SQuAD's exact match and F1; its intervals are the project's bootstrap; and everything it
cannot decide is `error`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sacrebleu
from rouge_score import rouge_scorer

from mlops_gate.engine.context import EvaluationContext
from mlops_gate.engine.runner import run_gates
from mlops_gate.gates.registry import load_policy
from mlops_gate.results import GateResult, Verdict
from tests.integration.llm.conftest import EXAMPLE, outputs_policy, write_jsonl
from tests.unit.llm.squad_reference import exact_match_score, f1_score

pytestmark = pytest.mark.integration

ROWS = [json.loads(line) for line in (EXAMPLE / "eval" / "eval.jsonl").read_text().splitlines()]
REFERENCES = [row["reference"] for row in ROWS]


def _outputs(shift: int) -> list[str]:
    """Deterministic outputs of varying quality: the context's first sentences, or the reference."""
    texts = []
    for index, row in enumerate(ROWS):
        sentences = row["context"].split(". ")
        texts.append(
            row["reference"] if (index + shift) % 4 == 0 else ". ".join(sentences[: 1 + index % 2])
        )
    return texts


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "eval.jsonl", ROWS)
    write_jsonl(
        tmp_path / "outputs.jsonl",
        [{"id": r["id"], "output": o} for r, o in zip(ROWS, _outputs(0), strict=True)],
    )
    write_jsonl(
        tmp_path / "baseline.jsonl",
        [{"id": r["id"], "output": o} for r, o in zip(ROWS, _outputs(1), strict=True)],
    )
    return tmp_path


def _run(folder: Path, gates: list[dict], **extra: object) -> list[GateResult]:  # type: ignore[type-arg]
    results = run_gates(EvaluationContext(load_policy(outputs_policy(folder, gates, **extra))))
    for result in results:
        assert not result.internal_error, result.message
        json.dumps(result.details, allow_nan=False)
    return results


def test_values_equal_the_libraries(project: Path) -> None:
    metrics = ["bleu", "chrf", "ter", "rouge1", "rouge2", "rougeL", "exact_match", "f1"]
    gates = [
        {"type": "text", "metric": m, "min": 0}
        if m != "ter"
        else {"type": "text", "metric": m, "max": 1000}
        for m in metrics
    ]
    values = {r.id: r.value for r in _run(project, gates)}
    outputs = _outputs(0)
    assert values["text:bleu"] == sacrebleu.corpus_bleu(outputs, [REFERENCES]).score
    assert values["text:chrf"] == sacrebleu.corpus_chrf(outputs, [REFERENCES]).score
    assert values["text:ter"] == sacrebleu.corpus_ter(outputs, [REFERENCES]).score
    for name in ("rouge1", "rouge2", "rougeL"):
        scorer = rouge_scorer.RougeScorer([name], use_stemmer=True)
        expected = np.mean(
            [
                scorer.score(ref, out)[name].fmeasure
                for out, ref in zip(outputs, REFERENCES, strict=True)
            ]
        )
        assert values[f"text:{name}"] == float(expected)
    pairs = list(zip(outputs, REFERENCES, strict=True))
    assert values["text:exact_match"] == float(
        np.mean([float(exact_match_score(o, r)) for o, r in pairs])
    )
    assert values["text:f1"] == float(np.mean([f1_score(o, r) for o, r in pairs]))


def test_row_scores_are_sentence_scores_and_the_interval_brackets_the_value(project: Path) -> None:
    (result,) = _run(
        project,
        [{"type": "text", "metric": "bleu", "min": 0, "confidence": 0.9, "n_resamples": 200}],
    )
    outputs = _outputs(0)
    first = ROWS[0]["id"]
    assert (
        result.details["row_scores"][first]
        == sacrebleu.sentence_bleu(outputs[0], [REFERENCES[0]]).score
    )
    assert len(result.details["row_scores"]) == len(ROWS)
    assert result.details["ci_low"] <= result.value <= result.details["ci_high"]
    assert result.verdict is Verdict.PASS


def test_baseline_comparison_is_a_paired_bootstrap(project: Path) -> None:
    gate = {
        "type": "text",
        "metric": "rougeL",
        "max_drop": 0.0,
        "confidence": 0.95,
        "n_resamples": 300,
    }
    (against_weaker,) = _run(project, [gate], baseline={"outputs": "baseline.jsonl"})
    assert against_weaker.baseline_value is not None
    assert against_weaker.details["delta"] == against_weaker.value - against_weaker.baseline_value
    (against_itself,) = _run(project, [gate], baseline={"outputs": "outputs.jsonl"})
    assert against_itself.details["delta_ci_low"] == against_itself.details["delta_ci_high"] == 0.0
    assert against_itself.verdict is Verdict.PASS  # a drop of exactly 0 is at max_drop 0


def test_min_fails_on_the_pessimistic_bound(project: Path) -> None:
    (plain,) = _run(project, [{"type": "text", "metric": "rougeL", "min": 0.5}])
    bound = {"type": "text", "metric": "rougeL", "min": plain.value - 0.001, "confidence": 0.95}
    (pessimistic,) = _run(project, [bound])
    assert plain.verdict is Verdict.PASS if plain.value >= 0.5 else Verdict.FAIL
    assert pessimistic.verdict is Verdict.FAIL
    assert "95% bound" in pessimistic.message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows, outs: (rows, outs[:-1]), "1 of 40 model outputs are missing"),
        (
            lambda rows, outs: (rows, [*outs, {"id": "stranger", "output": "x"}]),
            "ids not in the eval set",
        ),
        (
            lambda rows, outs: (
                [{k: v for k, v in rows[0].items() if k != "input"}, *rows[1:]],
                outs,
            ),
            "has no `input`",
        ),
        (
            lambda rows, outs: (
                [{k: v for k, v in rows[0].items() if k != "reference"}, *rows[1:]],
                outs,
            ),
            "without a `reference`",
        ),
        (lambda rows, outs: ([], []), "has no rows"),
        (lambda rows, outs: ([*rows, rows[0]], outs), "more than once"),
        (lambda rows, outs: (rows[:10], outs[:10]), "fewer than min_rows 30"),
    ],
    ids=[
        "missing-output",
        "unknown-id",
        "no-input",
        "no-reference",
        "empty",
        "duplicate-id",
        "min-rows",
    ],
)
def test_what_cannot_be_decided_is_an_error(project: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    outputs = [{"id": r["id"], "output": o} for r, o in zip(ROWS, _outputs(0), strict=True)]
    rows, outs = change(list(ROWS), outputs)
    write_jsonl(project / "eval.jsonl", rows)
    write_jsonl(project / "outputs.jsonl", outs)
    (result,) = _run(project, [{"type": "text", "metric": "rougeL", "min": 0.1}])
    assert result.verdict is Verdict.ERROR
    assert message in result.message
