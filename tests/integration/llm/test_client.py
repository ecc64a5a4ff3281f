"""The OpenAI-compatible client against a real server process: answers, retries on 429 (after
Retry-After) and 5xx, malformed answers, a dead endpoint, and deadlines that hold."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from mlops_gate.deadline import Deadline
from mlops_gate.llm.batch import run_calls
from mlops_gate.llm.cache import CallCache
from mlops_gate.llm.client import CallFailed, Connection, chat
from tests.integration.llm.conftest import LocalLLM

pytestmark = pytest.mark.integration

QUESTION = (
    "Be concise.\n\nDocumentation:\nThe free plan includes 5 GB. Paid plans differ.\n\n"
    "Question: How much storage does the free plan include?"
)
SECRET = "sk-test-0123456789-never-print-me"


def _ask(llm: LocalLLM, model: str, prompt: str = QUESTION, **kwargs: object) -> str:
    connection = Connection(endpoint=llm.url, model=model, backoff_s=0.01, **kwargs)  # type: ignore[arg-type]
    return chat(connection, [{"role": "user", "content": prompt}], Deadline(30)).text


def test_the_model_answers_deterministically_and_prompt_dependent(local_llm: LocalLLM) -> None:
    first, again = _ask(local_llm, "support-lm"), _ask(local_llm, "support-lm")
    verbose = _ask(local_llm, "support-lm", QUESTION.replace("Be concise.", "Be friendly."))
    assert first == again == "The free plan includes 5 GB."
    assert verbose != first
    assert verbose.startswith("Thanks")


def test_429_is_retried_after_its_retry_after(local_llm: LocalLLM) -> None:
    started = time.monotonic()
    text = _ask(local_llm, "fault-429:1", QUESTION + " (429 test)")
    assert text == "The free plan includes 5 GB."
    assert time.monotonic() - started >= 1.0  # Retry-After: 1 was honoured


def test_5xx_is_retried_then_fails_with_one_line_without_the_token(local_llm: LocalLLM) -> None:
    before = local_llm.calls()
    with pytest.raises(CallFailed) as caught:
        _ask(local_llm, "fault-500", max_retries=2, token=SECRET)
    assert local_llm.calls() - before == 3
    assert "HTTP 500" in str(caught.value)
    assert "after 3 attempts" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert "\n" not in str(caught.value)


def test_malformed_answer_fails_at_once(local_llm: LocalLLM) -> None:
    before = local_llm.calls()
    with pytest.raises(CallFailed, match="malformed answer"):
        _ask(local_llm, "fault-malformed")
    assert local_llm.calls() - before == 1


def test_a_slow_server_cannot_hold_the_call_past_its_total_deadline(local_llm: LocalLLM) -> None:
    connection = Connection(
        endpoint=local_llm.url, model="fault-slow:5", request_timeout_s=0.5, backoff_s=0.01
    )
    started = time.monotonic()
    with pytest.raises(CallFailed):
        chat(connection, [{"role": "user", "content": "slow " + QUESTION}], Deadline(1.5))
    assert time.monotonic() - started < 3.0


def test_a_dead_endpoint_fails_fast() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connection = Connection(
        endpoint=f"http://127.0.0.1:{port}/v1", model="m", max_retries=1, backoff_s=0.01
    )
    with pytest.raises(CallFailed, match="connection failed"):
        chat(connection, [{"role": "user", "content": "hi"}], Deadline(10))


def test_batch_caches_complete_answers_only(local_llm: LocalLLM, tmp_path: Path) -> None:
    cache = CallCache(tmp_path / "llm")
    prompts = [QUESTION + f" #{i}" for i in range(6)]
    for model in ("support-lm", "fault-length", "fault-500"):
        connection = Connection(endpoint=local_llm.url, model=model, max_retries=0)
        replies = run_calls(connection, prompts, cache=cache, concurrency=3, deadline=Deadline(30))
        assert len(list((tmp_path / "llm").glob("*.json"))) == 6
        assert [r.text is None for r in replies] == [model == "fault-500"] * 6
        if model == "fault-length":
            assert all(r.incomplete and not r.cached for r in replies)
    before = local_llm.calls()
    connection = Connection(endpoint=local_llm.url, model="support-lm")
    again = run_calls(connection, prompts, cache=cache, concurrency=3, deadline=Deadline(30))
    assert all(r.cached for r in again)
    assert local_llm.calls() == before
