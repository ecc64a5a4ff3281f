"""How far the canary's generated answers agree with stable's, pair by pair (issue 18, item 6).

The router keeps both answers to each request both sides answered (a mirrored or shadowed copy);
the orchestrator reads them in slices (`stats_query`) and `AgreementMeter` scores each pair once,
in background threads, so the steps keep ticking while a judge thinks. A pair's score, 0 to 1:

- by a text metric (`analysis.agreement.metric`): the text gate's own row score
  (`gates.text_scoring.score` with the gate's default options) of the canary's answer with
  stable's as the reference; sacrebleu's 0-100 scores divided by 100.
- by a judge (`analysis.agreement.judge`, a judge gate's id): the gate's endpoint and rubric, asked
  which answer is better with the positions swapped (`gates.judge_protocol`, as the gate's
  pairwise mode asks); 1 unless the judge prefers stable's answer in both orders, else 0.

A step's agreement is the mean score of the pairs scored in its window. Identical pairs (the eval
rows are replayed in a loop) are scored once. A pair that cannot be scored (a judge call that
failed, an answer that is not the judge's JSON, a missing library) stops the analysis: the step
is an `error`, never a pass on the pairs that happened to work.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import MlopsGateError

if TYPE_CHECKING:
    from mlops_gate.gates.generation import EvalRow
    from mlops_gate.gates.judge import Config as JudgeConfig
    from mlops_gate.llm.client import Connection
    from mlops_gate.policy.deploy import AgreementSpec

LOWEST = 5  # lowest-scoring pairs named in the details
SACREBLEU_SCALE = 100.0


class AgreementFailed(Exception):
    """A pair could not be scored; the message is one line (the token redacted)."""


@dataclass(frozen=True)
class Pair:
    """The two answers to one request; `key` is the request's (the eval row's) id."""

    key: str | None
    canary: str
    stable: str


@dataclass(frozen=True)
class Judge:
    """A judge gate of the policy and its rubric's text."""

    config: JudgeConfig
    rubric: str


class MetricScorer:
    """A text gate metric, the canary's answer against stable's as the reference."""

    workers = 1

    def __init__(self, metric: str) -> None:
        from mlops_gate.gates import text

        self.metric = metric
        options = ("tokenize", "lowercase", "use_stemmer")  # the gate's defaults, not copies
        self.options = SimpleNamespace(
            **{name: text.Config.model_fields[name].default for name in options}
        )
        try:  # a missing library fails before anything starts
            self([Pair(None, "ready", "ready")])
        except AgreementFailed as exc:
            from mlops_gate.deploy.local.errors import DeployError

            raise DeployError(f"analysis.agreement: {exc}") from None

    def __call__(self, pairs: Sequence[Pair]) -> list[float]:
        from mlops_gate.gates.text_scoring import SACREBLEU, score

        try:
            scored = score(
                self.metric, [p.canary for p in pairs], [p.stable for p in pairs], self.options
            )
        except MlopsGateError as exc:  # DependencyError: sacrebleu or rouge-score missing
            raise AgreementFailed(str(exc)) from None
        scale = SACREBLEU_SCALE if self.metric in SACREBLEU else 1.0
        return [min(1.0, max(0.0, value / scale)) for value in scored.rows]


class JudgeScorer:
    """The judge gate's pairwise question, asked both ways; 0 when stable's answer wins twice."""

    def __init__(self, judge: Judge, rows: Mapping[str, EvalRow]) -> None:
        from mlops_gate.engine.generation import connection_for
        from mlops_gate.errors import GateError

        self.judge, self.rows = judge, rows
        try:
            self.connection: Connection = connection_for(judge.config.judge)
        except GateError as exc:
            from mlops_gate.deploy.local.errors import DeployError

            raise DeployError(f"analysis.agreement.judge: {exc}") from None
        self.workers = judge.config.judge.concurrency

    def __call__(self, pairs: Sequence[Pair]) -> list[float]:
        return [self._one(pair) for pair in pairs]

    def _one(self, pair: Pair) -> float:
        from mlops_gate.gates.judge_protocol import pair_outcome, pairwise_prompt, read_winner

        row = self.rows.get(pair.key or "")
        question, reference = (row.input, row.reference) if row else ("", None)
        rubric = self.judge.rubric
        canary_first = pairwise_prompt(rubric, question, reference, pair.canary, pair.stable)
        canary_second = pairwise_prompt(rubric, question, reference, pair.stable, pair.canary)
        verdicts = [read_winner(self._ask(prompt)) for prompt in (canary_first, canary_second)]
        for verdict in verdicts:
            if verdict.problem is not None:
                raise AgreementFailed(f"the judge's answer is unusable: {verdict.problem}")
        return 0.0 if pair_outcome(*verdicts) < 0.5 else 1.0

    def _ask(self, prompt: str) -> str:
        from mlops_gate.deadline import Deadline
        from mlops_gate.llm.client import CallFailed, chat

        endpoint = self.judge.config.judge
        try:
            answer = chat(
                self.connection,
                [{"role": "user", "content": prompt}],
                Deadline(endpoint.request_timeout_s),
            )
        except CallFailed as exc:
            why = self.connection.redact(str(exc))
            raise AgreementFailed(
                f"the judge at {endpoint.endpoint} gave no answer: {why}"
            ) from None
        return answer.text


def scorer_for(
    agreement: AgreementSpec, rows: Mapping[str, EvalRow], judge: Judge | None
) -> MetricScorer | JudgeScorer:
    """The scorer `agreement` asks for; `judge` must be given when it names a judge gate."""
    if agreement.metric is not None:
        return MetricScorer(agreement.metric)
    if judge is None:
        from mlops_gate.deploy.local.errors import DeployError

        raise DeployError(f"analysis.agreement: no judge gate `{agreement.judge}` to ask")
    return JudgeScorer(judge, rows)


class AgreementMeter:
    """The scores of the current stats window's pairs, computed as the pairs arrive."""

    def __init__(self, by: str, scorer: MetricScorer | JudgeScorer) -> None:
        self.by, self._scorer = by, scorer
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=scorer.workers, thread_name_prefix="agree")
        self._window: int | None = None
        self._received = 0
        self._scores: list[tuple[str | None, float]] = []
        self._pending: list[Future[None]] = []
        self._memo: dict[tuple[str | None, str, str], float] = {}
        self._problem: str | None = None

    def stats_query(self) -> str:
        """Ask the router for the pairs not received yet (all of them in a new window)."""
        with self._lock:
            window = -1 if self._window is None else self._window
            return f"pairs_from={self._received}&window={window}"

    def feed(self, window: Mapping[str, Any]) -> None:
        """Take the pairs of a `/-/stats` window snapshot and score the new ones."""
        window_id, start = int(window["id"]), window.get("pairs_from")
        pairs = [
            Pair(_key(p.get("id")), str(p["canary"]), str(p["stable"]))
            for p in window.get("pairs") or []
        ]
        with self._lock:
            if window_id != self._window:  # a new step: its pairs only
                for future in self._pending:
                    future.cancel()
                self._window, self._received, self._scores, self._pending = window_id, 0, [], []
            if start is None or start > self._received:
                return
            fresh = pairs[self._received - start :]
            self._received += len(fresh)
        # One task per pair where the judge may take several at once; else one for the slice.
        size = max(1, len(fresh)) if self._scorer.workers == 1 else 1
        for index in range(0, len(fresh), size):
            batch = fresh[index : index + size]
            self._pending.append(self._pool.submit(self._score, window_id, batch))

    def measure(self, window_id: int) -> tuple[int, float, dict[str, Any]]:
        """(pairs scored, their sum, details) of window `window_id` so far."""
        with self._lock:
            scores = list(self._scores) if window_id == self._window else []
        lowest = sorted(scores, key=lambda item: item[1])[:LOWEST]
        details = {
            "by": self.by,
            "pairs": len(scores),
            "lowest": [{"id": key, "score": round(value, 4)} for key, value in lowest],
        }
        return len(scores), float(sum(value for _, value in scores)), details

    def problem(self) -> str | None:
        with self._lock:
            return self._problem

    def close(self) -> None:
        """Stop scoring: queued pairs are dropped; a judge call in flight ends by its deadline."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _score(self, window_id: int, pairs: Sequence[Pair]) -> None:
        with self._lock:
            known = {p: self._memo[_memo_key(p)] for p in pairs if _memo_key(p) in self._memo}
        todo = [p for p in pairs if p not in known]
        try:
            fresh = dict(zip(todo, self._scorer(todo), strict=True)) if todo else {}
        except AgreementFailed as exc:
            with self._lock:
                self._problem = self._problem or f"agreement by {self.by}: {exc}"
            return
        with self._lock:
            for pair, value in fresh.items():
                self._memo[_memo_key(pair)] = value
            if window_id == self._window:
                self._scores += [(p.key, known.get(p, fresh.get(p, 0.0))) for p in pairs]


def _memo_key(pair: Pair) -> tuple[str | None, str, str]:
    return pair.key, pair.canary, pair.stable


def _key(value: Any) -> str | None:
    return None if value is None else str(value)
