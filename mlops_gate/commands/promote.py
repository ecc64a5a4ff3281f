"""`mlops-gate promote` (and `--rollback`): move the registry alias, only on passing evidence.

An ONNX model is registered as a model version; a generation model's prompt template goes into
MLflow's prompt registry, and a generation model known only by its `outputs:` file into a model
version holding the release (docs/registry.md, docs/llm.md). History and rollback work the same
on each.

Each call opens the registry once, bounded by `timeout` seconds, and raises a one-line
`MlopsGateError` (exit 2) for anything that stops it. The evidence is verified against what the
loaded policy reads today (engine/inputs.py), never against the evidence's own list.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate import paths
from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.errors import InputError, MlopsGateError
from mlops_gate.loaders.locate import is_registry_uri

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.registry.promote import PromotionResult, StepHook
    from mlops_gate.registry.signature import ModelExample


def promote(
    loaded: LoadedPolicy,
    evidence_path: Path = paths.EVIDENCE,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    reason: str | None = None,
    after_step: StepHook | None = None,
) -> PromotionResult:
    """Promote the policy's model if `evidence_path` passed and matches today's files: an ONNX
    model as a registered model version, a generation model's prompt template into MLflow's
    prompt registry (the pointer's store, registry/store.py)."""
    from mlops_gate.engine.inputs import shipped_inputs
    from mlops_gate.evidence import verify_evidence
    from mlops_gate.registry.from_policy import local_model_file, pointer_for, settings_for
    from mlops_gate.registry.mlflow_client import open_registry
    from mlops_gate.registry.promote import promote_verified

    pointer = pointer_for(loaded)
    model = loaded.policy.model
    if model is None:
        raise InputError(f"{loaded.path}: the policy has no `model`: nothing to promote")
    onnx = model.task != "generation"
    if onnx and not (model.path.lower().endswith(".onnx") or is_registry_uri(model.path)):
        raise InputError(f"{loaded.path}: promote registers ONNX models; {model.path} is not .onnx")
    with open_registry(settings_for(loaded, timeout)) as registry:
        model_file = local_model_file(registry, loaded, model.path)
        files = shipped_inputs(loaded, model_file)
        evidence = verify_evidence(evidence_path, loaded, files)
        example, note = _example(loaded, evidence.model_path) if onnx else (None, None)
        result = promote_verified(
            registry, pointer, evidence, reason=reason, after_step=after_step, example=example
        )
    return result if note is None else replace(result, notes=[*result.notes, note])


def _example(loaded: LoadedPolicy, model_path: Path) -> tuple[ModelExample | None, str | None]:
    """The signature and input example a new ONNX version carries, or a note saying why none."""
    from mlops_gate.commands.model_example import model_example

    try:
        return model_example(loaded, model_path), None
    except MlopsGateError as exc:  # the gates passed on this data: register all the same
        return None, f"no signature on a new version: {str(exc).splitlines()[0]}"


def rollback(
    loaded: LoadedPolicy,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    reason: str | None = None,
    alias: str | None = None,
) -> PromotionResult:
    """Give the role back to the version that held it before the current holder's promotion;
    `alias` rolls back another alias of the same model (e.g. the canary's `production`)."""

    from mlops_gate.registry.from_policy import pointer_for, settings_for
    from mlops_gate.registry.mlflow_client import open_registry
    from mlops_gate.registry.rollback import rollback_pointer

    pointer = pointer_for(loaded)
    if alias is not None:
        pointer = replace(pointer, alias=alias, stage=None)
    with open_registry(settings_for(loaded, timeout)) as registry:
        return rollback_pointer(registry, pointer, reason)
