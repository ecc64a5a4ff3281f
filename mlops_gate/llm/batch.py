"""Many calls at once: at most `concurrency` in flight, all within one total deadline, cached.

Each prompt gets a `Reply`: the answer (from the cache when an identical call was answered
before, with the usage and wall time recorded then), or the reason it has none. A failed call
does not stop the others; the caller decides what a missing answer means (for the gates:
`error`, never a dropped row).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from mlops_gate.deadline import Deadline
from mlops_gate.gates.generation import Reply
from mlops_gate.llm.cache import CallCache, is_complete, request_key
from mlops_gate.llm.client import CallFailed, Connection, chat


def run_calls(
    connection: Connection,
    prompts: Sequence[str],
    *,
    cache: CallCache | None,
    concurrency: int,
    deadline: Deadline,
    advance: Callable[[float], None] = lambda amount: None,
) -> list[Reply]:
    """One reply per prompt (sent as one user message each), in order."""

    def one(prompt: str) -> Reply:
        try:
            return _reply(connection, prompt, cache, deadline)
        finally:
            advance(1)

    if concurrency <= 1 or len(prompts) <= 1:
        return [one(prompt) for prompt in prompts]
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="llm") as pool:
        return list(pool.map(one, prompts))


def _reply(
    connection: Connection, prompt: str, cache: CallCache | None, deadline: Deadline
) -> Reply:
    messages = [{"role": "user", "content": prompt}]
    key = request_key(connection, messages)
    hit = cache.load(key) if cache is not None else None
    if hit is not None:
        return Reply(
            text=hit.text,
            cached=True,
            latency_s=hit.latency_s,  # as recorded when the answer was generated
            prompt_tokens=hit.prompt_tokens,
            completion_tokens=hit.completion_tokens,
        )
    try:
        answer = chat(connection, messages, deadline)
    except CallFailed as exc:
        return Reply(text=None, error=connection.redact(str(exc)))
    if cache is not None:
        cache.store(key, answer)
    return Reply(
        text=answer.text,
        latency_s=answer.latency_s,
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
        incomplete=not is_complete(answer),
    )
