"""`check --artifacts dist/`: the policy's gates on every artifact `build` wrote (issue 3).

Every artifact of `dist/build.json` (the float `model.onnx` and each quantized variant) is gated as
the model: its context is an `EvaluationContext` over a copy of the policy whose `model.path` is that
file. Gates that read no model (expectations, drift without predictions) run once, on the float
model's context, and their results are shared by every variant. A variant's context shares the float
context's data and baseline loads, and names the float context so that the metric gate's
`max_drop_vs_float` can compare against it. Each file's sha256 must be the one build.json records:
a folder whose files changed since the build is refused, not gated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.engine.context import EvaluationContext
from mlops_gate.errors import InputError
from mlops_gate.loaders.manifest import Artifact, read_artifacts

if TYPE_CHECKING:
    from mlops_gate.engine.cache import GateCache
    from mlops_gate.gates.base import GateConfig
    from mlops_gate.gates.context import GateContext
    from mlops_gate.loaders.locate import ModelLocator
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.progress import Progress
    from mlops_gate.report import VariantResult
    from mlops_gate.results import GateResult

T = TypeVar("T")
# Memo keys of things that do not depend on which artifact is the model (see EvaluationContext).
_DATA_KEYS = frozenset({"target"})  # tables themselves: the shared data engine
_ROLE_KEYS = frozenset({"location", "model", "predictions"})


@dataclass(frozen=True)
class VariantsOutcome:
    float_context: EvaluationContext
    float_gates: list[GateResult]
    variants: list[VariantResult]
    artifacts: list[Artifact]


class VariantContext(EvaluationContext):
    """A quantized variant as the model; data and baseline come from the float model's context."""

    def __init__(
        self,
        loaded: LoadedPolicy,
        float_context: EvaluationContext,
        progress: Progress | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        super().__init__(
            loaded,
            progress,
            timeout=timeout,
            locator=float_context.locator,
            data=float_context.data,
        )
        self.float_context = float_context

    def float_reference(self) -> GateContext | None:
        """The float model's context: `max_drop_vs_float` compares against it (gates/metric.py)."""
        return self.float_context

    def _once(self, key: Any, compute: Callable[[], T]) -> T:
        if isinstance(key, tuple) and key and _shared(key):
            return self.float_context._once(key, compute)
        return super()._once(key, compute)


def _shared(key: tuple[Any, ...]) -> bool:
    return key[0] in _DATA_KEYS or (key[0] in _ROLE_KEYS and len(key) > 1 and key[1] == "baseline")


def with_model(loaded: LoadedPolicy, path: Path) -> LoadedPolicy:
    """A copy of the policy whose `model.path` is `path` (everything else, gate ids included, kept)."""
    model = loaded.policy.model
    if model is None:
        raise InputError(f"{loaded.path}: --artifacts gates a model: the policy needs `model:`")
    policy = loaded.policy.model_copy(
        update={"model": model.model_copy(update={"path": str(path), "trust": None})}
    )
    return dataclasses.replace(loaded, policy=policy)


def per_variant(gate: GateConfig) -> bool:
    """Whether the gate reads a model (else it is evaluated once, for every variant)."""
    return bool({"model", "baseline"} & gate.required_inputs())


def check_artifacts(
    loaded: LoadedPolicy,
    folder: Path,
    progress: Progress | None,
    *,
    timeout: float,
    cache: GateCache | None,
    jobs: int | None = None,
    locator: ModelLocator | None = None,
) -> VariantsOutcome:
    """Gate every artifact of `folder`; the float model's results are the report's `gates`."""
    from mlops_gate.engine.runner import run_gates
    from mlops_gate.report import VariantResult

    artifacts = read_artifacts(folder)
    float_loaded = with_model(loaded, artifacts[0].path)
    float_context = EvaluationContext(float_loaded, progress, timeout=timeout, locator=locator)
    float_gates = run_gates(float_context, cache, jobs)
    shared = {
        gate_id
        for gate, gate_id in zip(loaded.policy.gates, loaded.gate_ids, strict=True)
        if not per_variant(gate)
    }
    variants = [VariantResult.of(artifacts[0], float_gates, shared)]
    for artifact in artifacts[1:]:
        gates = _variant_gates(loaded, artifact, float_context, float_gates, shared, timeout, jobs)
        variants.append(VariantResult.of(artifact, gates, shared))
    return VariantsOutcome(float_context, float_gates, variants, artifacts)


def _variant_gates(
    loaded: LoadedPolicy,
    artifact: Artifact,
    float_context: EvaluationContext,
    float_gates: list[GateResult],
    shared: set[str],
    timeout: float,
    jobs: int | None,
) -> list[GateResult]:
    """The model gates on `artifact` (not cached: `*_vs_float` also reads the float model)."""
    from mlops_gate.engine.runner import run_gates

    base = with_model(loaded, artifact.path)
    keep = [i for i, gate_id in enumerate(loaded.gate_ids) if gate_id not in shared]
    subset = dataclasses.replace(
        base,
        policy=base.policy.model_copy(update={"gates": [base.policy.gates[i] for i in keep]}),
        gate_ids=tuple(loaded.gate_ids[i] for i in keep),
    )
    context = VariantContext(subset, float_context, float_context.progress, timeout=timeout)
    evaluated = iter(run_gates(context, jobs=jobs))
    by_id = {gate.id: gate for gate in float_gates}
    # Policy order; the subset's indexes are not the policy's, so lines come from the float run.
    results = []
    for gate_id in loaded.gate_ids:
        if gate_id in shared:
            results.append(by_id[gate_id])
        else:
            result = next(evaluated)
            results.append(dataclasses.replace(result, policy_line=by_id[gate_id].policy_line))
    return results
