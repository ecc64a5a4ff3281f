"""The `latency` gate of a generation model, without a server: its keys and their problems at
load time, its id, the call cache keeping each answer's time, and the numbers it computes from
real replies (the server runs in tests/integration/llm/test_request_latency.py)."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from mlops_gate import trust
from mlops_gate.errors import GateError, PolicyError
from mlops_gate.gates.generation import EvalRow, GenerationSet, Reply, Role
from mlops_gate.gates.latency import Config
from mlops_gate.gates.registry import load_policy
from mlops_gate.gates.request_latency import (
    Requests,
    broken,
    latency_details,
    paired_details,
    timed_requests,
    usage_details,
)
from mlops_gate.llm.cache import CallCache
from mlops_gate.llm.client import Completion
from mlops_gate.metrics.latency import paired_ratio
from mlops_gate.policy.generation import Price

MODEL = {
    "task": "generation",
    "endpoint": "http://127.0.0.1:8000/v1",
    "model": "m",
    "prompt": "p.txt",
    "price": {"input": 0.15, "output": 0.60},
}


@pytest.fixture(autouse=True)
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home" / "cache.key"
    monkeypatch.setenv(trust.KEY_ENV, str(path))
    return path


def _policy(tmp_path: Path, gates: list[dict[str, Any]], model: dict[str, Any] = MODEL) -> Path:
    document = {
        "version": 1,
        "name": "gen",
        "model": model,
        "data": {"eval": "eval.jsonl"},
        "gates": gates,
    }
    path = tmp_path / "mlops-gate.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    return caught.value.problems


# -- policy ------------------------------------------------------------------------------------------
def test_a_generation_latency_gate_is_named_for_the_endpoint(tmp_path: Path) -> None:
    gates = [
        {"type": "latency", "percentile": 95, "max_ms": 1500},
        {"type": "latency", "percentile": 99, "max_cost": 0.05},
        {"type": "latency", "min_tokens_per_s": 20},
    ]
    loaded = load_policy(_policy(tmp_path, gates))
    assert loaded.gate_ids == (
        "latency:endpoint:p95",
        "latency:endpoint:p99",
        "latency:endpoint:p95#2",
    )


def test_an_onnx_latency_gate_keeps_its_id_and_refuses_the_generation_keys(tmp_path: Path) -> None:
    onnx = {"task": "classification", "path": "model.onnx"}
    path = _policy(tmp_path, [{"type": "latency", "max_ms": 5, "max_cost": 1}], model=onnx)
    (problem,) = _problems(path)
    assert "gates[0] (latency).max_cost" in problem
    assert "model.task: generation" in problem
    loaded = load_policy(_policy(tmp_path, [{"type": "latency", "max_ms": 5}], model=onnx))
    assert loaded.gate_ids == ("latency:cpu:p95",)


def test_onnx_timing_keys_and_a_cost_without_a_price_are_policy_errors(tmp_path: Path) -> None:
    unpriced = {key: value for key, value in MODEL.items() if key != "price"}
    gates = [{"type": "latency", "max_ms": 100, "device": "cuda", "runs": 50, "max_cost": 1}]
    problems = _problems(_policy(tmp_path, gates, model=unpriced))
    assert any(".device: does not apply to a generation model" in p for p in problems)
    assert any(".runs: does not apply to a generation model" in p for p in problems)
    assert any(".max_cost: needs the model's `price`" in p for p in problems)
    assert len(problems) == 3


def test_a_gate_without_any_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="set max_ms, max_regression or both"):
        Config(type="latency", percentile=90)
    assert Config(type="latency", max_cost=0.1).request_limits() == {"max_cost": 0.1}
    assert Config(type="latency", min_tokens_per_s=5).required_inputs() == {"model", "eval"}
    with_baseline = Config(type="latency", max_regression=0.1).required_inputs()
    assert with_baseline == {"model", "eval", "baseline"}


# -- the call cache keeps the time --------------------------------------------------------------------
def test_the_cache_keeps_each_answers_time_and_usage(tmp_path: Path) -> None:
    cache = CallCache(tmp_path / "llm")
    cache.store("k1", Completion("answer", "stop", 12, 3, latency_s=0.25))
    assert cache.load("k1") == Completion("answer", "stop", 12, 3, latency_s=0.25)


def test_an_entry_without_a_time_or_with_a_bad_one_loads_without_a_time(tmp_path: Path) -> None:
    """An entry sealed before timings were kept (or holding a time that is not one)."""
    cache = CallCache(tmp_path / "llm")
    (tmp_path / "llm").mkdir()
    key = trust.machine_key()
    assert key is not None
    bad: tuple[object, ...] = (None, -1.0, "0.2", True)  # (a seal refuses NaN and infinity)
    for name, recorded in zip(("old", "neg", "text", "bool"), bad, strict=True):
        answer: dict[str, Any] = {"text": "a", "finish_reason": "stop", "prompt_tokens": 1}
        if recorded is not None:
            answer["latency_s"] = recorded
        sealed = trust.seal(key, "llm-call", {"schema": 1, "key": name, "answer": answer})
        (tmp_path / "llm" / f"{name}.json").write_text(json.dumps(sealed))
        loaded = cache.load(name)
        assert loaded is not None
        assert loaded.text == "a"
        assert loaded.latency_s is None


# -- the numbers, from real replies ------------------------------------------------------------------
ROWS = tuple(EvalRow(id=f"q{i}", input=f"question {i}") for i in range(5))
SECONDS = [0.10, 0.20, 0.30, 0.40, 1.00]
PROMPT = [100, 120, 80, 90, 110]
COMPLETION = [10, 20, 30, 40, 50]
PRICE = Price(input=0.15, output=0.60)


def _set(replies: list[Reply], role: Role = "model") -> GenerationSet:
    texts = tuple(r.text or "" for r in replies)
    return GenerationSet(role, ROWS, texts, {}, tuple(replies))


def _replies(cached: Collection[int] = (), scale: float = 1.0) -> list[Reply]:
    return [
        Reply(
            f"a{i}", cached=i in cached, latency_s=s * scale, prompt_tokens=p, completion_tokens=c
        )
        for i, (s, p, c) in enumerate(zip(SECONDS, PROMPT, COMPLETION, strict=True))
    ]


def test_percentiles_tokens_per_second_and_cost_of_the_requests() -> None:
    requests = timed_requests(_set(_replies(cached={1, 3})), "model")
    value, details = latency_details(requests, 90)
    assert value == pytest.approx(float(np.percentile(SECONDS, 90)) * 1000, rel=1e-12)
    assert details["p50_ms"] == pytest.approx(300.0)
    assert details["p99_ms"] == pytest.approx(float(np.percentile(SECONDS, 99)) * 1000)
    assert details["timed"] == {"live": 3, "recorded": 2}
    assert details["provider"] == "endpoint"  # DESIGN.md's latency keys, as the ONNX gate's
    assert details["throughput_rps"] == pytest.approx(len(SECONDS) / sum(SECONDS))
    usage = usage_details(requests, PRICE)
    assert usage["tokens"] == {"prompt": 500, "completion": 150}
    assert usage["completion_tokens_per_s"] == pytest.approx(150 / 2.0)
    total = (500 * 0.15 + 150 * 0.60) / 1e6
    assert usage["cost"]["total"] == total
    assert usage["cost"]["per_request"] == total / 5
    live_prompt, live_completion = 100 + 80 + 110, 10 + 30 + 50  # rows 0, 2, 4
    assert usage["cost"]["this_run"] == (live_prompt * 0.15 + live_completion * 0.60) / 1e6


def test_a_cached_re_run_costs_nothing_and_keeps_the_numbers() -> None:
    live = timed_requests(_set(_replies()), "model")
    again = timed_requests(_set(_replies(cached=set(range(5)))), "model")
    assert latency_details(again, 95)[0] == latency_details(live, 95)[0]
    assert (
        usage_details(again, PRICE)["cost"]["total"] == usage_details(live, PRICE)["cost"]["total"]
    )
    assert usage_details(again, PRICE)["cost"]["this_run"] == 0.0
    assert latency_details(again, 95)[1]["timed"] == {"live": 0, "recorded": 5}


def test_a_request_without_a_time_is_an_error_that_says_what_to_do() -> None:
    replies = _replies()
    replies[2] = Reply("a2", cached=True, prompt_tokens=1, completion_tokens=1)  # an old entry
    with pytest.raises(GateError, match=r"1 of 5 model requests have no timing .*'q2'.*delete"):
        timed_requests(_set(replies), "model")


def test_usage_the_endpoint_did_not_send_is_unknown_not_zero() -> None:
    replies = _replies()
    replies[0] = Reply("a0", latency_s=0.1)
    requests = timed_requests(_set(replies), "model")
    usage = usage_details(requests, PRICE)
    assert usage == {
        "usage_missing": 1,
        "tokens": None,
        "completion_tokens_per_s": None,
        "cost": None,
    }
    value, details = latency_details(requests, 95)
    details.update(usage, requests=5)
    assert broken(Config(type="latency", max_ms=10_000), value, details) == []
    with pytest.raises(GateError, match="max_cost: 1 of 5 requests have no token usage"):
        broken(Config(type="latency", max_cost=1.0), value, details)


def test_every_limit_is_phrased_by_the_shared_wording() -> None:
    requests = timed_requests(_set(_replies()), "model")
    value, details = latency_details(requests, 95)
    details.update(usage_details(requests, PRICE), requests=5)
    total = details["cost"]["total"]
    assert broken(Config(type="latency", max_ms=value, max_cost=total), value, details) == []
    config = Config(type="latency", max_ms=500, max_cost=total / 2, min_tokens_per_s=100)
    failures = broken(config, value, details)
    assert failures[0].startswith("p95 (ms) 880 is above max 500 by 380")
    assert failures[1].startswith("cost of the eval set 0.000165 is above max 8.25e-05")
    assert failures[2].startswith("completion tokens/s 75 is below min 100 by 25")
    assert len(failures) == 3


def test_the_baseline_ratio_is_the_paired_ratio_by_row_id() -> None:
    mine = timed_requests(_set(_replies()), "model")
    theirs_replies = _replies(scale=0.5)
    theirs_replies[4] = Reply("a4", latency_s=0.1, prompt_tokens=1, completion_tokens=1)
    theirs = timed_requests(_set(theirs_replies, "baseline"), "baseline")
    shuffled = Requests(
        ids=theirs.ids[::-1],
        seconds=theirs.seconds[::-1],
        prompt_tokens=theirs.prompt_tokens[::-1],
        completion_tokens=theirs.completion_tokens[::-1],
        cached=theirs.cached[::-1],
    )
    paired = paired_details(mine, shuffled, 95)
    assert paired["ratio"] == paired_ratio(mine.seconds, theirs.seconds) == 2.0
    assert paired["pairs"] == 5
    assert paired["interleaved"] is False
    low, high = paired["ratio_interval"]
    assert low <= paired["ratio"] <= high
    config = Config(type="latency", max_regression=0.5)
    (failure,) = broken(config, 0.0, {**paired, "tokens": None, "cost": None})
    assert failure.startswith("model/baseline latency ratio 2 is above max 1.5 by 0.5")


def test_the_report_shows_tokens_per_second_the_cost_and_how_requests_were_timed() -> None:
    from mlops_gate.gates.views.latency import charts, facts
    from mlops_gate.results import GateResult, Verdict

    requests = timed_requests(_set(_replies(cached={0})), "model")
    value, details = latency_details(requests, 95)
    details.update(usage_details(requests, PRICE), requests=5)
    result = GateResult(
        id="latency:endpoint:p95",
        type="latency",
        verdict=Verdict.PASS,
        value=value,
        threshold=1500.0,
        details=details,
    )
    assert facts(result) == [
        "throughput 2.5 rows/s",
        "provider endpoint",
        "75 completion tokens/s",
        "cost 1.65e-04 (3.30e-05 per request; this run 1.44e-04)",
        "requests timed live 4, as recorded 1",
    ]
    (chart,) = charts(result)
    assert chart.startswith("<svg")
