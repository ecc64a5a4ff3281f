"""What the generation (LLM) gates read: eval rows, outputs matched to them, judge replies.

The gates `text`, `assertions` and `judge` ask `context.generation()` (a `GenerationSource`,
implemented by `mlops_gate.engine.generation`) and never call an endpoint or open a file
themselves. Every text here came from data or a model: reporters escape it (render/escape.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from mlops_gate.policy.generation import EndpointSpec, Price

Role = Literal["model", "baseline"]
SHOWN_IDS = 5  # ids named in a message; the rest are counted


@dataclass(frozen=True)
class EvalRow:
    """One row of the eval JSONL: `id`, `input`, and optional `reference` and `context`."""

    id: str
    input: str
    reference: str | None = None
    context: str | None = None


@dataclass(frozen=True)
class Reply:
    """One answer of a model: `text`, or `error` when the call failed after its retries.

    A `cached` answer carries the usage and `latency_s` recorded when it was generated (None for
    an entry stored before timings were kept); `latency_s` is None too for an answer read from
    an `outputs:` file, or that failed.
    """

    text: str | None
    error: str | None = None
    cached: bool = False
    latency_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    incomplete: bool = False  # stopped at max_tokens or by a filter: used, never cached


@dataclass(frozen=True)
class GenerationSet:
    """Every eval row with the output of one model (`role`), in eval order, all present.

    `provenance` says where the outputs came from (model name, endpoint, params, the sha256 of
    prompt, eval file and outputs, calls made and cached, tokens, cost): gates put it in their
    details, so the evidence binds it.
    """

    role: Role
    rows: tuple[EvalRow, ...]
    outputs: tuple[str, ...]
    provenance: dict[str, Any] = field(default_factory=dict)
    replies: tuple[Reply, ...] = ()

    def references(self) -> list[str]:
        """Each row's reference; a GateError naming the rows without one."""
        from mlops_gate.errors import GateError

        missing = [row.id for row in self.rows if row.reference is None]
        if missing:
            raise GateError(f"eval rows without a `reference`: {name_ids(missing)}")
        return [row.reference or "" for row in self.rows]


class GenerationSource(Protocol):
    """Outputs, judge calls and the gates' own files, each loaded once per check."""

    def outputs(self, role: Role = "model") -> GenerationSet:
        """Every eval row's output; a GateError when a row has none (missing or failed)."""
        ...

    def ask(self, endpoint: EndpointSpec, prompts: Sequence[str], what: str) -> list[Reply]:
        """One reply per prompt (a user message each), called concurrently and cached."""
        ...

    def read_text(self, path: str, what: str) -> str:
        """A policy-relative text file (a rubric), bounded in size."""
        ...

    def read_rows(self, path: str, what: str) -> list[dict[str, Any]]:
        """A policy-relative JSONL file as its objects (human labels)."""
        ...

    def read_json(self, path: str, what: str) -> Any:
        """A policy-relative JSON document (a JSON Schema)."""
        ...


def name_ids(ids: Sequence[str], limit: int = SHOWN_IDS) -> str:
    """`a, b, c and 4 more` (ids are data: the reporters escape them)."""
    shown = ", ".join(repr(i) for i in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def provenance_details(context: Any, with_baseline: bool) -> dict[str, Any]:
    """The provenance of the outputs a gate judged, for its details (so evidence binds it)."""
    source = context.generation()
    found = {"model": source.outputs("model").provenance}
    if with_baseline:
        found["baseline"] = source.outputs("baseline").provenance
    return found


def call_usage(replies: Sequence[Reply], price: Price | None) -> dict[str, Any]:
    """Calls made and cached, tokens, the cost of this run and of the same run uncached, and the
    latency per request of the calls made."""
    made = [r for r in replies if not r.cached and r.text is not None]
    tokens = {
        "prompt": sum(r.prompt_tokens or 0 for r in made),
        "completion": sum(r.completion_tokens or 0 for r in made),
    }
    found: dict[str, Any] = {
        "calls": {
            "made": len(made),
            "cached": sum(r.cached for r in replies),
            "failed": sum(r.text is None for r in replies),
            "incomplete": sum(r.incomplete for r in replies),
        },
        "tokens": tokens,
    }
    if price is not None:
        found["cost"] = {"run": _cost(made, price), "uncached": _cost(replies, price)}
    latencies = [r.latency_s for r in made if r.latency_s is not None]
    if latencies:
        from mlops_gate.metrics.latency import NS_PER_S, summarize  # the latency gate's numbers

        summary = summarize([s * NS_PER_S for s in latencies], 50, 1)
        found["latency_ms"] = {"p50": summary.p50_ms, "p95": summary.p95_ms, "p99": summary.p99_ms}
        found["completion_tokens_per_s"] = _tokens_per_s(made)
    return found


def _cost(replies: Sequence[Reply], price: Price) -> float:
    from mlops_gate.metrics.request_usage import cost

    prompt = sum(r.prompt_tokens or 0 for r in replies if r.text is not None)
    completion = sum(r.completion_tokens or 0 for r in replies if r.text is not None)
    return cost(prompt, completion, price.input, price.output)


def _tokens_per_s(made: Sequence[Reply]) -> float | None:
    from mlops_gate.metrics.errors import MetricUndefined
    from mlops_gate.metrics.request_usage import tokens_per_second

    timed = [(r.completion_tokens or 0, r.latency_s) for r in made if r.latency_s is not None]
    try:
        return tokens_per_second([t for t, _ in timed], [s for _, s in timed])
    except MetricUndefined:
        return None
