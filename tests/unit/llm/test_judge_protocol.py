"""Reading judge answers, the position swap, and Cohen's kappa equal to scikit-learn's."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from mlops_gate.gates.judge_calibration import cohen_kappa
from mlops_gate.gates.judge_protocol import (
    Verdict,
    pair_outcome,
    pairwise_prompt,
    pointwise_prompt,
    read_score,
    read_winner,
)


@pytest.mark.parametrize(
    ("answer", "score", "problem"),
    [
        ('{"score": 4, "reason": "fine"}', 4, None),
        ('Sure! ```json\n{"score": 5.0, "reason": "x"}\n```', 5, None),
        ('{"score": 9}', None, "score 9 is outside the scale 1-5"),
        ('{"score": "4"}', None, "score '4' is not an integer"),
        ('{"score": true}', None, "score True is not an integer"),
        ("four", None, "no JSON object in the judge's answer"),
        (None, None, "no JSON object in the judge's answer"),
    ],
)
def test_read_score(answer: str | None, score: int | None, problem: str | None) -> None:
    verdict = read_score(answer, (1, 5))
    assert (verdict.score, verdict.problem) == (score, problem)


def test_read_winner() -> None:
    assert read_winner('{"winner": "a", "reason": "r"}').winner == "A"
    assert read_winner('{"winner": "TIE"}').winner == "tie"
    assert read_winner('{"winner": "both"}').problem == "winner 'both' is not A, B or tie"


@pytest.mark.parametrize(
    ("first", "second", "outcome"),
    [
        ("A", "B", 1.0),
        ("B", "A", 0.0),
        ("A", "A", 0.5),
        ("B", "B", 0.5),
        ("tie", "tie", 0.5),
        ("A", "tie", 0.5),
    ],
)
def test_a_row_is_won_only_when_both_orders_agree(first: str, second: str, outcome: float) -> None:
    assert pair_outcome(Verdict(winner=first), Verdict(winner=second)) == outcome


def test_prompts_fence_the_row_and_ask_for_json() -> None:
    text = pointwise_prompt("# Rubric", "Q?", None, "Ans", (1, 5))
    assert "Answer to score:\n<<<\nAns\n>>>" in text
    assert '{"score": <integer 1-5>' in text
    assert "Reference answer:\n<<<\n(none)\n>>>" in text
    pair = pairwise_prompt("# Rubric", "Q?", "R", "one", "two")
    assert pair.index("Answer A:\n<<<\none") < pair.index("Answer B:\n<<<\ntwo")


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_kappa_equals_scikit_learn(weights: str | None) -> None:
    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(2, 40))
        human = rng.integers(1, 6, size=n).tolist()
        judge = [h if rng.random() < 0.6 else int(rng.integers(1, 6)) for h in human]
        expected = cohen_kappa_score(human, judge, weights=weights)
        assert cohen_kappa(human, judge, weights) == expected


def test_kappa_of_a_single_label_is_undefined() -> None:
    assert math.isnan(cohen_kappa([3, 3, 3], [3, 3, 3]))
