"""Cost and throughput of LLM requests, from the token usage their endpoint reports (docs/llm.md).

- cost: providers price tokens per million, prompt and completion tokens apart, so requests
  costing `prompt_tokens` and `completion_tokens` in all cost
  `(prompt_tokens * input + completion_tokens * output) / 1e6`. The token counts are summed
  first (integers, exact), so the total is one rounding away from the hand-computed number,
  whatever the order of the requests; per request it is that total over the requests.
- tokens per second: completion tokens over request time, both summed over the requests
  (`sum(tokens) / sum(seconds)`): each request weighs as much as the time it took, as on the
  clock and the bill; a mean of per-request rates would let a one-token reply count as much as a
  long answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from mlops_gate.metrics.errors import MetricUndefined

TOKENS_PER_PRICE = 1_000_000  # a price is per million tokens


def cost(
    prompt_tokens: int, completion_tokens: int, input_price: float, output_price: float
) -> float:
    """What `prompt_tokens` and `completion_tokens` cost at these prices per million tokens."""
    if prompt_tokens < 0 or completion_tokens < 0:
        raise MetricUndefined("a token count is negative")
    if not (_priced(input_price) and _priced(output_price)):
        raise MetricUndefined("a price is negative or not finite")
    return (prompt_tokens * input_price + completion_tokens * output_price) / TOKENS_PER_PRICE


def tokens_per_second(completion_tokens: Sequence[int], seconds: Sequence[float]) -> float:
    """Completion tokens per second of request time, over every request (see the module doc)."""
    if len(completion_tokens) != len(seconds):
        raise MetricUndefined(
            f"unpaired usage: {len(completion_tokens)} token counts, {len(seconds)} times"
        )
    if not seconds:
        raise MetricUndefined("no timed requests")
    if any(t < 0 for t in completion_tokens):
        raise MetricUndefined("a token count is negative")
    if not all(math.isfinite(s) and s >= 0 for s in seconds):
        raise MetricUndefined("a request time is negative or not finite")
    busy = math.fsum(seconds)
    if busy <= 0:
        raise MetricUndefined("the requests took no measurable time")
    return sum(completion_tokens) / busy


def _priced(price: float) -> bool:
    return math.isfinite(price) and price >= 0
