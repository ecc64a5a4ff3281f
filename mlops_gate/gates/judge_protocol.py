"""What the `judge` gate asks a judge model, and how it reads the answers.

The rubric (the user's Markdown file) comes first, then the row between `<<<`/`>>>` fences, then
the answer format: a JSON object, `{"score": n, "reason": "..."}` (pointwise) or
`{"winner": "A"|"B"|"tie", "reason": "..."}` (pairwise). An answer that is not that object, or a
score outside the scale, is invalid: the gate reports the rows and is `error`, never a guess.

Pairwise, each pair is judged twice with the positions swapped (Zheng et al., "Judging
LLM-as-a-Judge", 2023: judges favour a position); a row is won only when both orders prefer the
same answer, and a tie otherwise.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

ANSWER = re.compile(r"\{.*\}", re.S)
REASON_CHARS = 300


@dataclass(frozen=True)
class Verdict:
    """One judge answer: a score or a winner, and its reason; `problem` when it is invalid."""

    score: int | None = None
    winner: str | None = None
    reason: str = ""
    problem: str | None = None


def _fenced(title: str, text: str) -> str:
    return f"{title}:\n<<<\n{text}\n>>>\n"


def pointwise_prompt(
    rubric: str, question: str, reference: str | None, answer: str, scale: tuple[int, int]
) -> str:
    low, high = scale
    return (
        f"{rubric.strip()}\n\n---\nScore the answer below by the rubric above, from {low} "
        f"(worst) to {high} (best).\n\n"
        + _fenced("Question", question)
        + _fenced("Reference answer", reference or "(none)")
        + _fenced("Answer to score", answer)
        + f'\nReply with only a JSON object: {{"score": <integer {low}-{high}>, '
        '"reason": "<one sentence>"}'
    )


def pairwise_prompt(
    rubric: str, question: str, reference: str | None, first: str, second: str
) -> str:
    return (
        f"{rubric.strip()}\n\n---\nWhich answer is better by the rubric above?\n\n"
        + _fenced("Question", question)
        + _fenced("Reference answer", reference or "(none)")
        + _fenced("Answer A", first)
        + _fenced("Answer B", second)
        + '\nReply with only a JSON object: {"winner": "A" | "B" | "tie", '
        '"reason": "<one sentence>"}'
    )


def _object(text: str) -> dict[str, object] | None:
    match = ANSWER.search(text)
    if match is None:
        return None
    try:
        found = json.loads(match.group(0))
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def read_score(text: str | None, scale: tuple[int, int]) -> Verdict:
    """The score in a pointwise answer; invalid when absent, not an integer, or off the scale."""
    found = _object(text or "")
    if found is None:
        return Verdict(problem="no JSON object in the judge's answer")
    score, reason = found.get("score"), str(found.get("reason", ""))[:REASON_CHARS]
    if isinstance(score, float) and score.is_integer():
        score = int(score)
    if isinstance(score, bool) or not isinstance(score, int):
        return Verdict(problem=f"score {score!r} is not an integer")
    if not scale[0] <= score <= scale[1]:
        return Verdict(problem=f"score {score} is outside the scale {scale[0]}-{scale[1]}")
    return Verdict(score=score, reason=reason)


def read_winner(text: str | None) -> Verdict:
    """The winner in a pairwise answer: "A", "B" or "tie"."""
    found = _object(text or "")
    if found is None:
        return Verdict(problem="no JSON object in the judge's answer")
    winner = str(found.get("winner", "")).strip()
    normal = {"a": "A", "b": "B", "tie": "tie"}.get(winner.lower())
    if normal is None:
        return Verdict(problem=f"winner {winner[:20]!r} is not A, B or tie")
    return Verdict(winner=normal, reason=str(found.get("reason", ""))[:REASON_CHARS])


def pair_outcome(model_first: Verdict, model_second: Verdict) -> float:
    """The model's result on one row judged both ways: 1 a win, 0 a loss, 0.5 a tie (including
    when the two orders disagree). `model_first`: the model was answer A; `model_second`: B."""
    first = {"A": 1.0, "B": 0.0}.get(model_first.winner or "", 0.5)
    second = {"B": 1.0, "A": 0.0}.get(model_second.winner or "", 0.5)
    return first if first == second else 0.5
