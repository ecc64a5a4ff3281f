"""`latency` of a generation model: the time, throughput and cost of its requests (docs/llm.md).

The `latency` gate type (gates/latency.py) comes here when the policy's model has `task:
generation`: there is no ONNX session to time, but there are the model's requests to its
endpoint, one per eval row, which the engine made (or answered from the call cache) for every
generation gate.

- per request latency: the wall time of the attempt that answered (send to last byte; retries and
  their waits are not in it), one per eval row; `percentile` (numpy's linear method, through
  metrics/latency.py) is the gated value, with p50, p95 and p99 beside it;
- throughput: completion tokens per second of request time, from the endpoint's `usage`;
- cost: from the model's `price` table, for all the eval set's requests (`cost.total`) and per
  request, and what this run spent (`cost.this_run`: 0 when every answer came from the cache);
  the arithmetic is metrics/request_usage.py's;
- cached answers report the time and usage recorded when they were generated (llm/cache.py), so
  a re-run costs nothing and is held to the same numbers; `details.timed` counts the requests
  timed live and as recorded;
- against the baseline (`max_regression`, when both are endpoints): the same paired ratio and
  interval as the ONNX gate (metrics/latency.py), pairing the two models' requests by eval row id.

Error, never pass: outputs read from a file (nothing was timed), a request without a timing
(an answer cached before timings were kept), a failed request (the engine names how many), and
a cost or throughput limit while the endpoint reported no token usage.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from pydantic import Field

from mlops_gate.config import GateConfig

if TYPE_CHECKING:
    from mlops_gate.gates.context import GateContext, Role
    from mlops_gate.gates.generation import GenerationSet
    from mlops_gate.gates.latency import Config
    from mlops_gate.policy.generation import Price
    from mlops_gate.results import GateResult

REQUEST_KEYS = ("max_cost", "max_cost_per_request", "min_tokens_per_s")
ONNX_KEYS = ("device", "batch_size", "runs", "warmup", "threads", "if_device_missing")


class RequestFields(GateConfig):
    """The `latency` keys for a generation model's requests (its other keys: gates/latency.py)."""

    if TYPE_CHECKING:  # a field of the latency gate's Config, which derives from this class
        percentile: float

    max_cost: float | None = Field(
        default=None,
        ge=0,
        description="generation: fail if the eval set's requests cost more than this in all, at "
        "the model's `price` (as generated: a re-run answered from the cache is held to the "
        "same number).",
    )
    max_cost_per_request: float | None = Field(
        default=None,
        ge=0,
        description="generation: fail if the mean cost of a request is above this.",
    )
    min_tokens_per_s: float | None = Field(
        default=None,
        gt=0,
        description="generation: fail if completion tokens per second of request time are "
        "below this.",
    )

    def request_limits(self) -> dict[str, float]:
        """The generation-only limits that are set, by key."""
        from mlops_gate.gates.limits import set_limits

        return set_limits(self, REQUEST_KEYS)

    def derived_id(self, policy: Any) -> str:
        if _is_generation(policy):
            return f"latency:endpoint:p{self.percentile:g}"
        return self.default_id()

    def policy_problems(self, policy: Any) -> list[tuple[str, str]]:
        if not _is_generation(policy):
            why = "applies to a generation model's requests (model.task: generation)"
            return [(key, why) for key in self.request_limits()]
        why = "does not apply to a generation model: its requests are timed as they are made"
        problems = [(key, why) for key in ONNX_KEYS if key in self.model_fields_set]
        if (self.max_cost is not None or self.max_cost_per_request is not None) and (
            policy.model.price is None
        ):
            key = "max_cost" if self.max_cost is not None else "max_cost_per_request"
            problems.append((key, "needs the model's `price` (per million tokens)"))
        return problems


def _is_generation(policy: Any) -> bool:
    return policy.model is not None and policy.model.task == "generation"


@dataclasses.dataclass(frozen=True)
class Requests:
    """One model's requests, one per eval row: wall times, usage, and how each was timed."""

    ids: tuple[str, ...]
    seconds: tuple[float, ...]
    prompt_tokens: tuple[int | None, ...]
    completion_tokens: tuple[int | None, ...]
    cached: tuple[bool, ...]

    @property
    def live(self) -> int:
        """Requests made by this run (the others were answered from the call cache)."""
        return len(self.cached) - sum(self.cached)

    def usage_missing(self) -> int:
        """Requests whose endpoint reported no token usage."""
        pairs = zip(self.prompt_tokens, self.completion_tokens, strict=True)
        return sum(p is None or c is None for p, c in pairs)


def timed_requests(outputs: GenerationSet, role: Role) -> Requests:
    """The requests behind `outputs` (all answered: the engine raises for a failed one, naming
    how many); a GateError when one has no timing."""
    from mlops_gate import paths
    from mlops_gate.errors import GateError
    from mlops_gate.gates.generation import name_ids

    rows, replies = outputs.rows, outputs.replies
    untimed = [row.id for row, r in zip(rows, replies, strict=True) if r.latency_s is None]
    if untimed:
        raise GateError(
            f"{len(untimed)} of {len(rows)} {role} requests have no timing (answers cached "
            f"before timings were kept: {name_ids(untimed)}); delete {paths.LLM_CACHE} (or set "
            "`cache: false`) and run again to time them"
        )
    return Requests(
        ids=tuple(row.id for row in rows),
        seconds=tuple(r.latency_s or 0.0 for r in replies),
        prompt_tokens=tuple(r.prompt_tokens for r in replies),
        completion_tokens=tuple(r.completion_tokens for r in replies),
        cached=tuple(r.cached for r in replies),
    )


def latency_details(requests: Requests, percentile: float) -> tuple[float, dict[str, Any]]:
    """The gated percentile in ms, and p50, p95, p99, mean and how the requests were timed."""
    from mlops_gate.metrics.latency import NS_PER_S, summarize

    summary = summarize([s * NS_PER_S for s in requests.seconds], percentile, 1)
    return summary.value_ms, {
        "p50_ms": summary.p50_ms,
        "p95_ms": summary.p95_ms,
        "p99_ms": summary.p99_ms,
        "mean_ms": summary.mean_ms,
        # DESIGN.md's latency keys: one client's requests per second (1 / mean, as for an ONNX
        # session), whatever the concurrency the outputs were generated with.
        "throughput_rps": summary.throughput_rps,
        "provider": "endpoint",
        "timed": {"live": requests.live, "recorded": len(requests.cached) - requests.live},
    }


def usage_details(requests: Requests, price: Price | None) -> dict[str, Any]:
    """Tokens, completion tokens per second and the cost (None where the usage or the price is
    missing)."""
    from mlops_gate.metrics.request_usage import cost, tokens_per_second

    missing = requests.usage_missing()
    found: dict[str, Any] = {
        "usage_missing": missing,
        "tokens": None,
        "completion_tokens_per_s": None,
        "cost": None,
    }
    if missing:
        return found
    prompt = [t or 0 for t in requests.prompt_tokens]
    completion = [t or 0 for t in requests.completion_tokens]
    found["tokens"] = {"prompt": sum(prompt), "completion": sum(completion)}
    found["completion_tokens_per_s"] = tokens_per_second(completion, requests.seconds)
    if price is None:
        return found
    live = [not cached for cached in requests.cached]
    total = cost(sum(prompt), sum(completion), price.input, price.output)
    this_run = cost(
        sum(t for t, made in zip(prompt, live, strict=True) if made),
        sum(t for t, made in zip(completion, live, strict=True) if made),
        price.input,
        price.output,
    )
    found["cost"] = {
        "total": total,
        "per_request": total / len(prompt),
        "this_run": this_run,
        "price": {"input": price.input, "output": price.output},
    }
    return found


def paired_details(model: Requests, baseline: Requests, percentile: float) -> dict[str, Any]:
    """Model/baseline ratio of the two requests of each eval row (metrics/latency.py's paired
    ratio and its interval), and the ratio of the percentiles beside it."""
    from mlops_gate.errors import GateError
    from mlops_gate.metrics.latency import (
        NS_PER_S,
        paired_ratio,
        paired_ratio_interval,
        regression_ratio,
    )

    theirs = dict(zip(baseline.ids, baseline.seconds, strict=True))
    if set(theirs) != set(model.ids):
        raise GateError("the model's and the baseline's requests are not for the same eval rows")
    mine_ns = [s * NS_PER_S for s in model.seconds]
    theirs_ns = [theirs[key] * NS_PER_S for key in model.ids]
    low, high = paired_ratio_interval(mine_ns, theirs_ns)
    return {
        "ratio": paired_ratio(mine_ns, theirs_ns),
        "ratio_interval": [low, high],
        "ratio_method": "median of per-row ratios",
        "pairs": len(mine_ns),
        "paired_by": "eval row id",
        "interleaved": False,
        "percentile_ratio": regression_ratio(mine_ns, theirs_ns, percentile),
    }


def broken(config: Config, value_ms: float, details: dict[str, Any]) -> list[str]:
    """One phrase per broken limit, in gates/limits.py's wording; a GateError when a limit's
    number is unknown (no token usage)."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.limits import broken_max, broken_min

    usage_limits = config.request_limits()
    if usage_limits and details["tokens"] is None:
        raise GateError(
            f"{', '.join(usage_limits)}: {details['usage_missing']} of {details['requests']} "
            "requests have no token usage (the endpoint sent no `usage`): the number is unknown"
        )
    failures = []
    if config.max_ms is not None:
        failures.append(broken_max(f"p{config.percentile:g} (ms)", value_ms, config.max_ms))
    cost = details["cost"]
    if usage_limits.keys() & {"max_cost", "max_cost_per_request"} and cost is None:
        raise GateError("max_cost needs the model's `price` (per million tokens)")
    if config.max_cost is not None:
        failures.append(broken_max("cost of the eval set", cost["total"], config.max_cost))
    if config.max_cost_per_request is not None:
        limit = config.max_cost_per_request
        failures.append(broken_max("cost per request", cost["per_request"], limit))
    if config.min_tokens_per_s is not None:
        rate, limit = details["completion_tokens_per_s"], config.min_tokens_per_s
        failures.append(broken_min("completion tokens/s", rate, limit))
    if config.max_regression is not None and "ratio" in details:
        limit = 1 + config.max_regression
        failures.append(broken_max("model/baseline latency ratio", details["ratio"], limit))
    return [failure for failure in failures if failure]


def evaluate(config: Config, context: GateContext) -> GateResult:
    """Time, throughput and cost of the model's requests (and the ratio to the baseline's)."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.generation import provenance_details
    from mlops_gate.metrics.errors import MetricUndefined

    model = timed_requests(_endpoint_outputs(context, "model"), "model")
    baseline = None
    if config.max_regression is not None:
        if not context.has_baseline():
            raise GateError("max_regression needs a `baseline` in the policy")
        baseline = timed_requests(_endpoint_outputs(context, "baseline"), "baseline")
    price = context.policy.model.price if context.policy.model is not None else None
    try:
        value, details = latency_details(model, config.percentile)
        details.update(requests=len(model.ids), percentile=float(config.percentile))
        details.update(usage_details(model, price))
        baseline_value = None
        if baseline is not None:
            baseline_value, theirs = latency_details(baseline, config.percentile)
            theirs["value_ms"] = baseline_value
            details.update({f"baseline_{key}": item for key, item in theirs.items()})
            details.update(paired_details(model, baseline, config.percentile))
            details["max_regression"] = config.max_regression
    except MetricUndefined as exc:
        raise GateError(f"latency is undefined: {exc}") from None
    details.update(comparator="≤", unit="ms")
    details["generation"] = provenance_details(context, baseline is not None)
    return _result(config, value, baseline_value, details)


def _endpoint_outputs(context: GateContext, role: Role) -> GenerationSet:
    """`role`'s outputs, when they come from an endpoint; a GateError for an `outputs:` file."""
    from mlops_gate.errors import GateError

    spec = context.policy.model if role == "model" else context.policy.baseline
    if spec is not None and spec.outputs is not None:
        raise GateError(
            f"nothing to time: the {role}'s outputs come from a file (`outputs:`); the latency "
            "gate times requests to an endpoint (`endpoint`, `model` and `prompt`)"
        )
    return context.generation().outputs(role)


def _summary(config: Config, value_ms: float, details: dict[str, Any]) -> str:
    timed = details["timed"]
    text = (
        f"p{config.percentile:g} {value_ms:.4g} ms per request ({details['requests']} "
        f"requests: {timed['live']} timed live, {timed['recorded']} as recorded)"
    )
    if details["completion_tokens_per_s"] is not None:
        text += f"; {details['completion_tokens_per_s']:.4g} completion tokens/s"
    if details["cost"] is not None:
        cost = details["cost"]
        text += f"; cost {cost['total']:.4g} ({cost['per_request']:.3g} per request)"
    if "ratio" in details:
        text += (
            f"; {details['ratio']:.3g}x the baseline per request (median of {details['pairs']} "
            f"rows; baseline p{config.percentile:g} {details['baseline_value_ms']:.4g} ms)"
        )
    return text


def _result(
    config: Config, value: float, baseline_value: float | None, details: dict[str, Any]
) -> GateResult:
    from mlops_gate.gates.base import is_above
    from mlops_gate.results import GateResult, Verdict

    failures = broken(config, value, details)
    summary = _summary(config, value, details)
    if failures:
        verdict, message = Verdict.FAIL, f"{'; '.join(failures)} ({summary})"
    elif config.warn_ms is not None and is_above(value, config.warn_ms):
        verdict, message = Verdict.WARN, f"{summary}: above warn_ms {config.warn_ms:g}"
    else:
        verdict, message = Verdict.PASS, f"{summary}: within every limit"
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=verdict,
        value=value,
        threshold=config.max_ms,
        baseline_value=baseline_value,
        message=message,
        details=details,
    )
