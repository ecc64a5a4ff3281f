"""The text metrics against their definitions: SQuAD's script, sacrebleu's corpus scores as
bootstrap statistics (unit weights give the corpus score), rouge-score's F1."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import sacrebleu

from mlops_gate.gates.text_scoring import exact_match, normalize, score, token_f1
from mlops_gate.metrics.bootstrap import bootstrap_ci, paired_bootstrap
from tests.unit.llm.squad_reference import exact_match_score, f1_score, normalize_answer

OPTIONS = SimpleNamespace(tokenize="13a", lowercase=False, use_stemmer=True)
OUTPUTS = [
    "The cat sat on the mat.",
    "A dog, barking loudly!",
    "",
    "Paris is the capital of France.",
]
REFERENCES = [
    "the cat is on the mat",
    "The dog barks loudly.",
    "nothing here",
    "Paris is France's capital.",
]
TRICKY = [
    "An apple a day!",
    "  THE   end. ",
    "well-known (fact)",
    "a",
    "",
    "Café au lait",
    "the the the",
]


@pytest.mark.parametrize("text", TRICKY)
def test_normalisation_is_squads(text: str) -> None:
    assert normalize(text) == normalize_answer(text)


@pytest.mark.parametrize(("output", "reference"), list(zip(TRICKY, reversed(TRICKY), strict=True)))
def test_exact_match_and_f1_are_squads(output: str, reference: str) -> None:
    assert exact_match(output, reference) == float(exact_match_score(output, reference))
    if normalize(output) and normalize(reference):  # SQuAD 1.1 divides by zero on empty answers
        assert token_f1(output, reference) == f1_score(output, reference)


def test_f1_of_empty_answers_follows_squad_2() -> None:
    assert token_f1("", "") == 1.0
    assert token_f1("the", "a cat") == 0.0  # "the" normalises to nothing


@pytest.mark.parametrize(
    ("metric", "library"),
    [
        ("bleu", sacrebleu.corpus_bleu),
        ("chrf", sacrebleu.corpus_chrf),
        ("ter", sacrebleu.corpus_ter),
    ],
)
def test_sacrebleu_corpus_scores_and_their_statistics(metric: str, library: object) -> None:
    scored = score(metric, OUTPUTS, REFERENCES, OPTIONS)
    assert scored.value == library(OUTPUTS, [REFERENCES]).score  # type: ignore[operator]
    assert float(scored.statistic(np.ones((1, len(OUTPUTS))))[0]) == pytest.approx(
        scored.value, abs=1e-9
    )
    # A weight row is a resampled corpus: the statistic is the library's score of that corpus.
    counts = np.array([2.0, 0.0, 1.0, 3.0])
    resampled = [i for i, count in enumerate(counts) for _ in range(int(count))]
    expected = library([OUTPUTS[i] for i in resampled], [[REFERENCES[i] for i in resampled]]).score  # type: ignore[operator]
    assert float(scored.statistic(counts[np.newaxis])[0]) == pytest.approx(expected, abs=1e-9)


def test_bootstrap_and_paired_bootstrap_work_on_corpus_statistics() -> None:
    outputs, references = OUTPUTS * 10, REFERENCES * 10
    scored = score("bleu", outputs, references, OPTIONS)
    interval = bootstrap_ci(scored.statistic, confidence=0.9, n_resamples=200, seed=1)
    assert interval.low <= scored.value <= interval.high
    paired = paired_bootstrap(
        scored.statistic, scored.statistic, confidence=0.9, n_resamples=200, seed=1
    )
    assert (paired.low, paired.point, paired.high) == (0.0, 0.0, 0.0)


def test_rouge_rows_are_rouge_scores() -> None:
    from rouge_score import rouge_scorer

    scored = score("rougeL", OUTPUTS, REFERENCES, OPTIONS)
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    assert scored.rows == [
        scorer.score(r, o)["rougeL"].fmeasure for o, r in zip(OUTPUTS, REFERENCES, strict=True)
    ]
    assert scored.value == float(np.mean(scored.rows))
