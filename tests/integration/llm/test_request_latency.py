"""The `latency` gate of a generation model against the real local model server: per request
percentiles, a passing and a failing `max_ms`, the cost equal to the usage times the price table
by hand, the ratio to a baseline endpoint, and a cached re-run that makes no call and reports the
same timings; an `outputs:` file, an entry cached without a timing and failed calls are `error`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops_gate import paths, trust
from mlops_gate.engine.context import EvaluationContext
from mlops_gate.engine.runner import run_gates
from mlops_gate.gates.registry import load_policy
from mlops_gate.llm.cache import PURPOSE
from mlops_gate.results import GateResult, Verdict
from tests.integration.llm.conftest import (
    EXAMPLE,
    LocalLLM,
    copy_example,
    outputs_policy,
    write_jsonl,
)

pytestmark = pytest.mark.integration

ROWS = [json.loads(line) for line in (EXAMPLE / "eval" / "eval.jsonl").read_text().splitlines()]
PRICE = {"input": 0.15, "output": 0.60}
GATES: list[dict[str, Any]] = [
    {"type": "latency", "percentile": 95, "max_ms": 60_000, "max_cost": 1.0, "min_tokens_per_s": 1},
    {"type": "latency", "id": "too-slow", "percentile": 95, "max_ms": 0.001},
    {"type": "latency", "id": "ratio", "percentile": 50, "max_regression": 1000},
]
TIMINGS = ("p50_ms", "p95_ms", "p99_ms", "mean_ms", "baseline_p50_ms", "ratio", "ratio_interval")


def _policy(folder: Path, url: str, gates: list[dict[str, Any]], **model: Any) -> Path:
    document = {
        "version": 1,
        "name": "latency-policy",
        "model": {
            "task": "generation",
            "endpoint": url,
            "model": "support-lm",
            "prompt": "prompts/challenger.txt",
            "params": {"temperature": 0, "max_tokens": 256},
            "price": PRICE,
            **model,
        },
        "baseline": {"prompt": "prompts/champion.txt"},
        "data": {"eval": "eval/eval.jsonl"},
        "gates": gates,
    }
    path = folder / "latency.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _run(policy: Path) -> dict[str, GateResult]:
    results = run_gates(EvaluationContext(load_policy(policy)))
    for result in results:
        assert not result.internal_error, result.message
        json.dumps(result.details, allow_nan=False)
    return {result.id: result for result in results}


def _hand_cost(folder: Path) -> float:
    """sum(prompt tokens) * input price + sum(completion tokens) * output price, per million, with
    the server's own token count (words): prompts rendered by hand, answers from the outputs file."""
    template = (folder / "prompts" / "challenger.txt").read_text(encoding="utf-8")
    prompts = [
        template.replace("{context}", r["context"]).replace("{input}", r["input"]) for r in ROWS
    ]
    written = paths.LLM_OUTPUTS / "latency-policy.model.outputs.jsonl"
    answers = [json.loads(line)["output"] for line in written.read_text().splitlines()]
    prompt_tokens = sum(len(p.split()) for p in prompts)
    completion_tokens = sum(len(a.split()) for a in answers)
    return (prompt_tokens * PRICE["input"] + completion_tokens * PRICE["output"]) / 1e6


def _forget_timings() -> int:
    """Re-seal every cached answer without its time, as entries were before timings were kept."""
    key = trust.machine_key()
    assert key is not None
    entries = sorted(paths.LLM_CACHE.glob("*.json"))
    for path in entries:
        entry = trust.unseal(key, PURPOSE, json.loads(path.read_text()))
        assert entry is not None
        del entry["answer"]["latency_s"]
        path.write_text(json.dumps(trust.seal(key, PURPOSE, entry)))
    return len(entries)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return copy_example(tmp_path)


def test_requests_are_timed_costed_compared_and_a_cached_re_run_keeps_them(
    project: Path, local_llm: LocalLLM
) -> None:
    policy = _policy(project, local_llm.url, GATES)
    before = local_llm.calls()
    first = _run(policy)
    made = local_llm.calls() - before
    assert set(first) == {"latency:endpoint:p95", "too-slow", "ratio"}

    passing, slow, ratio = first["latency:endpoint:p95"], first["too-slow"], first["ratio"]
    assert passing.verdict is Verdict.PASS, passing.message
    assert slow.verdict is Verdict.FAIL
    assert slow.message.startswith("p95 (ms) ")
    assert "is above max 0.001" in slow.message
    details = passing.details
    assert details["requests"] == len(ROWS)
    assert details["timed"] == {"live": len(ROWS), "recorded": 0}
    assert details["p50_ms"] <= passing.value == details["p95_ms"] <= details["p99_ms"]
    assert 0 < details["p50_ms"] < 60_000
    assert details["completion_tokens_per_s"] > 1
    assert details["cost"]["total"] == _hand_cost(project)
    assert details["cost"]["per_request"] == details["cost"]["total"] / len(ROWS)
    assert details["cost"]["this_run"] == details["cost"]["total"]
    # the engine's record of the same calls agrees (details.generation, every LLM gate has it)
    usage = details["generation"]["model"]
    assert usage["calls"]["made"] == len(ROWS)
    assert usage["cost"]["run"] == pytest.approx(details["cost"]["total"], rel=1e-12)

    assert ratio.verdict is Verdict.PASS, ratio.message
    assert ratio.details["pairs"] == len(ROWS)
    assert ratio.details["paired_by"] == "eval row id"
    low, high = ratio.details["ratio_interval"]
    assert 0 < low <= ratio.details["ratio"] <= high
    assert ratio.baseline_value == ratio.details["baseline_value_ms"] > 0
    assert ratio.details["baseline_timed"] == {"live": len(ROWS), "recorded": 0}
    assert made == 2 * len(ROWS)  # the model's and the baseline's requests, each made once

    # A re-run: every answer from the call cache, no call made, the timings as recorded.
    before = local_llm.calls()
    again = _run(policy)
    assert local_llm.calls() == before
    for gate_id, result in first.items():
        rerun = again[gate_id]
        assert rerun.verdict is result.verdict
        assert rerun.value == result.value
        for key in TIMINGS:
            assert rerun.details.get(key) == result.details.get(key), key
        assert rerun.details["timed"] == {"live": 0, "recorded": len(ROWS)}
    assert again["latency:endpoint:p95"].details["cost"]["total"] == details["cost"]["total"]
    assert again["latency:endpoint:p95"].details["cost"]["this_run"] == 0
    assert "0 timed live, 40 as recorded" in again["latency:endpoint:p95"].message

    # Entries cached before timings were kept: error, with what to do; still no call.
    assert _forget_timings() == 2 * len(ROWS)
    third = _run(policy)
    assert local_llm.calls() == before
    for result in third.values():
        assert result.verdict is Verdict.ERROR
        assert "40 of 40 model requests have no timing" in result.message
        assert f"delete {paths.LLM_CACHE}" in result.message


def test_failed_requests_are_errors_counted_never_dropped(
    project: Path, local_llm: LocalLLM
) -> None:
    write_jsonl(project / "eval" / "eval.jsonl", ROWS[:3])
    gates = [{"type": "latency", "max_ms": 60_000}]
    policy = _policy(project, local_llm.url, gates, model="fault-500", max_retries=0)
    (result,) = _run(policy).values()
    assert result.verdict is Verdict.ERROR
    assert result.message.startswith("3 of 3 model outputs are missing")
    assert "HTTP 500" in result.message


def test_outputs_from_a_file_have_nothing_to_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "eval.jsonl", ROWS)
    write_jsonl(
        tmp_path / "outputs.jsonl", [{"id": r["id"], "output": r["reference"]} for r in ROWS]
    )
    policy = outputs_policy(tmp_path, [{"type": "latency", "percentile": 95, "max_ms": 1500}])
    (result,) = run_gates(EvaluationContext(load_policy(policy)))
    assert result.id == "latency:endpoint:p95"
    assert result.verdict is Verdict.ERROR
    assert not result.internal_error
    assert result.message.startswith("nothing to time: the model's outputs come from a file")
