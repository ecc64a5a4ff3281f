"""The parts of an LLM app's canary that need no endpoint: the policy keys and where `validate`
refuses them, the router's answer pairs, the LLM app's request rows, and the agreement meter
scoring pairs with the text gate's own numbers."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from mlops_gate.deploy.local.forward import answer_texts
from mlops_gate.deploy.local.llm_agreement import AgreementMeter, MetricScorer, Pair
from mlops_gate.deploy.local.llm_app import eval_row
from mlops_gate.deploy.local.window import RouterStats
from mlops_gate.errors import PolicyError
from mlops_gate.gates.registry import load_policy
from mlops_gate.gates.text import TextMetric
from mlops_gate.gates.text_scoring import LOWER_IS_BETTER, rouge_rows
from mlops_gate.policy.deploy import AgreementMetric, AgreementSpec


def test_agreement_metrics_are_the_text_gates_higher_is_better_ones() -> None:
    assert set(get_args(AgreementMetric)) == set(get_args(TextMetric)) - LOWER_IS_BETTER


@pytest.mark.parametrize("document", [{}, {"metric": "rougeL", "judge": "judge"}])
def test_agreement_is_a_metric_or_a_judge(document: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="set `metric`"):
        AgreementSpec.model_validate(document)


POLICY = """\
version: 1
name: support
model: {{task: {task}, {model}}}
data: {{eval: eval.jsonl}}
gates:
  - {{type: size, max_mb: 5}}
deploy:
  canary:
{extra}    analysis:
{analysis}"""
GENERATION = "endpoint: 'http://127.0.0.1:1/v1', model: lm, prompt: p.txt"


def _problems(
    tmp_path: Path, analysis: str, extra: str = "", task: str = "generation"
) -> list[str]:
    path = tmp_path / "mlops-gate.yaml"
    model = GENERATION if task == "generation" else "path: model.onnx"
    path.write_text(POLICY.format(task=task, model=model, analysis=analysis, extra=extra))
    try:
        load_policy(path, env={})
    except PolicyError as exc:
        return [line.replace(str(path), "P") for line in exc.problems]
    return []


def test_a_generation_canary_compares_by_a_metric_or_a_judge(tmp_path: Path) -> None:
    by_metric = "      min_agreement: 0.9\n      agreement: {metric: rougeL}\n"
    assert _problems(tmp_path, by_metric) == []
    assert _problems(tmp_path, "      min_agreement: 0.9\n") == [
        "P:10:7: deploy.canary.analysis.agreement: generated answers agree by a text metric "
        "or a judge: set `{metric: rougeL}` or `{judge: <gate id>}`"
    ]
    assert _problems(tmp_path, "      agreement: {judge: judge}\n") == [
        "P:10:18: deploy.canary.analysis.agreement: has no effect without analysis.min_agreement",
        "P:10:26: deploy.canary.analysis.agreement.judge: 'judge' is not the id of a judge gate "
        "of this policy (the policy has no judge gate)",
    ]


def test_settings_a_generation_canary_cannot_use(tmp_path: Path) -> None:
    analysis = "      drift: {max: 0.2}\n      agreement_tolerance: {rel: 0.1}\n"
    extra = "    target: kubernetes\n    stable: models:/support/1\n"
    problems = _problems(tmp_path, analysis, extra)
    for expected in (
        "P:13:28: deploy.canary.analysis.agreement_tolerance: applies to regression only: "
        "generated answers agree by `agreement`",
        "P:9:13: deploy.canary.target: a generation policy's canary runs on target local (two "
        "endpoints, one router)",
        "P:10:13: deploy.canary.stable: a generation canary's stable side is the policy's "
        "`baseline` (prompt, endpoint)",
        "P:12:14: deploy.canary.analysis.drift: PSI applies to tabular inputs, not text",
    ):
        assert expected in problems


def test_agreement_on_a_classifier_is_a_policy_error(tmp_path: Path) -> None:
    analysis = "      min_agreement: 0.9\n      agreement: {metric: rougeL}\n"
    assert _problems(tmp_path, analysis, task="classification") == [
        "P:11:18: deploy.canary.analysis.agreement: applies to model.task: generation"
    ]


def _answer(**body: object) -> bytes:
    return json.dumps(body).encode()


def test_generated_answers_pair_up_and_other_answers_do_not() -> None:
    assert answer_texts(_answer(output="a"), _answer(output="b")) == ("a", "b")
    assert answer_texts(_answer(labels=[1]), _answer(labels=[1])) is None
    assert answer_texts(_answer(output="a"), b"not json") is None
    assert answer_texts(_answer(output=None), _answer(output="b")) is None


def test_the_router_hands_out_pairs_in_slices_per_window() -> None:
    stats = RouterStats()
    for key in ("q1", "q2", "q3"):
        stats.pair(key, f"canary {key}", f"stable {key}")
    first = stats.snapshot(rows=False, pairs_from=0, window_id=0)["window"]
    assert [p["id"] for p in first["pairs"]] == ["q1", "q2", "q3"]
    rest = stats.snapshot(rows=False, pairs_from=2, window_id=0)["window"]
    assert (rest["pairs_from"], [p["id"] for p in rest["pairs"]]) == (2, ["q3"])
    assert stats.snapshot(rows=False)["window"]["pairs"] == []  # not asked: not sent
    stats.reset(50, "canary")
    stats.pair("q4", "x", "y")
    stale = stats.snapshot(rows=False, pairs_from=3, window_id=0)["window"]
    assert (stale["id"], stale["pairs_from"], len(stale["pairs"])) == (1, 0, 1)


def test_a_request_is_an_eval_row_without_its_reference() -> None:
    row = eval_row({"id": 7, "input": "Q?", "context": ["a", "b"], "reference": "R"})
    assert (row.id, row.input, row.context, row.reference) == ("7", "Q?", "a\n\nb", None)
    for bad, why in (
        ([1], "not a JSON object"),
        ({"context": "c"}, "no `input`"),
        ({"input": "Q", "context": 3}, "`context` is not text"),
    ):
        with pytest.raises(ValueError, match=why):
            eval_row(bad)


def _window(window_id: int, start: int, pairs: list[tuple[str, str, str]]) -> dict[str, Any]:
    rows = [{"id": key, "canary": canary, "stable": stable} for key, canary, stable in pairs]
    return {"id": window_id, "pairs_from": start, "pairs": rows}


def _measured(meter: AgreementMeter, window_id: int, pairs: int) -> tuple[int, float, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        measured = meter.measure(window_id)
        if measured[0] >= pairs:
            return measured
        time.sleep(0.01)
    raise AssertionError(f"{pairs} pairs not scored in 30 s: {meter.problem()}")


def test_the_meter_scores_each_pair_by_the_text_gates_rouge() -> None:
    pairs = [
        ("q1", "Open Trash and click Restore.", "Open Trash, select the file and click Restore."),
        ("q2", "The free plan includes 5 GB.", "The free plan includes 5 GB."),
        ("q3", "Call us.", "Deleted files stay in Trash for 30 days."),
    ]
    meter = AgreementMeter("rougeL", MetricScorer("rougeL"))
    try:
        assert meter.stats_query() == "pairs_from=0&window=-1"
        meter.feed(_window(0, 0, pairs[:2]))
        meter.feed(_window(0, 2, pairs[2:]))
        assert meter.stats_query() == "pairs_from=3&window=0"
        count, total, details = _measured(meter, 0, 3)
        expected = rouge_rows(
            "rougeL", [p[1] for p in pairs], [p[2] for p in pairs], use_stemmer=True
        )
        assert count == 3
        assert total == pytest.approx(sum(expected))
        assert [item["id"] for item in details["lowest"]] == ["q3", "q1", "q2"]
        meter.feed(_window(1, 0, pairs[1:2]))  # a new step counts its own pairs only
        assert _measured(meter, 1, 1)[:2] == (1, 1.0)
        assert meter.measure(0)[0] == 0
        assert meter.problem() is None
    finally:
        meter.close()


def test_sacrebleu_agreement_is_on_a_zero_to_one_scale() -> None:
    pairs = [Pair("q1", "the same words", "the same words"), Pair("q2", "abc", "xyz qrs")]
    identical, unrelated = MetricScorer("chrf")(pairs)
    assert identical == pytest.approx(1.0)
    assert 0.0 <= unrelated < 0.2
