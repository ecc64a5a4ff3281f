"""What `promote`, `promote --rollback`, `history` and check's recording do, from a policy file.

These are the functions `mlops_gate.api` calls; each opens the registry for one command, bounded by
`timeout` seconds, and raises a one-line `MlopsGateError` (exit 2) for anything that stops it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.errors import InputError
from mlops_gate.evidence import DEFAULT_PATH as DEFAULT_EVIDENCE
from mlops_gate.registry.mlflow_client import (
    DEFAULT_TIMEOUT_S,
    Registry,
    RegistrySettings,
    open_registry,
)
from mlops_gate.registry.pointer import Pointer

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.registry.history import Move
    from mlops_gate.registry.promote import PromotionResult, StepHook
    from mlops_gate.report import CheckReport


@dataclass(frozen=True)
class HistoryView:
    label: str
    holder: str | None
    moves: list[Move]
    registry: str

    def lines(self) -> list[str]:
        head = f"{self.label} in {self.registry}: held by version {self.holder or '(none)'}"
        return (
            [head, *(move.line() for move in self.moves)]
            if self.moves
            else [head, "no recorded moves"]
        )


def settings_for(loaded: LoadedPolicy, timeout: float = DEFAULT_TIMEOUT_S) -> RegistrySettings:
    policy = loaded.policy
    trust = bool(policy.model and policy.model.trust == "pickle")
    uri = policy.promote.tracking_uri if policy.promote else None
    return RegistrySettings(tracking_uri=uri, timeout_s=timeout, trust_pickle=trust)


def pointer_for(loaded: LoadedPolicy) -> Pointer:
    from mlops_gate.policy.model import PromoteSpec

    return Pointer.from_spec(loaded.policy.promote or PromoteSpec(), loaded.policy.name)


def registry_configured(loaded: LoadedPolicy) -> bool:
    """Check records a run when the policy has `promote:` or reads a model from the registry."""
    from mlops_gate.registry.uris import is_registry_uri

    policy = loaded.policy
    paths = [ref.path for ref in (policy.model, policy.baseline) if ref is not None]
    return policy.promote is not None or any(is_registry_uri(path) for path in paths)


def promote(
    policy_path: Path,
    evidence_path: Path = DEFAULT_EVIDENCE,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    reason: str | None = None,
    after_step: StepHook | None = None,
) -> PromotionResult:
    """Promote the policy's model if `evidence_path` passed and matches today's files."""
    from mlops_gate.policy import load_policy
    from mlops_gate.registry.evidence_check import verify_evidence
    from mlops_gate.registry.promote import promote_verified

    loaded = load_policy(policy_path)
    pointer = pointer_for(loaded)
    model = loaded.policy.model
    if model is None:
        raise InputError(f"{policy_path}: the policy has no `model`: nothing to promote")
    if not (model.path.lower().endswith(".onnx") or model.path.startswith(("models:/", "runs:/"))):
        raise InputError(f"{policy_path}: promote registers ONNX models; {model.path} is not .onnx")
    with open_registry(settings_for(loaded, timeout)) as registry:
        model_file = local_model_file(registry, loaded, model.path)
        evidence = verify_evidence(evidence_path, loaded.path, model_file)
        return promote_verified(registry, pointer, evidence, reason=reason, after_step=after_step)


def rollback(
    policy_path: Path, *, timeout: float = DEFAULT_TIMEOUT_S, reason: str | None = None
) -> PromotionResult:
    """Give the role back to the version that held it before the current holder's promotion."""
    from mlops_gate.policy import load_policy
    from mlops_gate.registry.rollback import rollback_pointer

    loaded = load_policy(policy_path)
    with open_registry(settings_for(loaded, timeout)) as registry:
        return rollback_pointer(registry, pointer_for(loaded), reason)


def history(
    policy_path: Path, *, timeout: float = DEFAULT_TIMEOUT_S, alias: str | None = None
) -> HistoryView:
    """Who held the alias when, and why: the moves recorded on the registered model. `alias`
    reads another alias of the same model (e.g. the canary's `production`)."""
    from dataclasses import replace

    from mlops_gate.policy import load_policy
    from mlops_gate.registry.history import read_moves

    loaded = load_policy(policy_path)
    pointer = pointer_for(loaded)
    if alias is not None:
        pointer = replace(pointer, alias=alias, stage=None)
    with open_registry(settings_for(loaded, timeout)) as registry:
        return HistoryView(
            pointer.label, pointer.holder(registry), read_moves(registry, pointer), registry.display
        )


def record_check(
    loaded: LoadedPolicy,
    report: CheckReport,
    evidence_path: Path | None,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> str:
    """Log `report` as a run (see record.py); returns the run id."""
    from mlops_gate.registry.record import record_check as log_run

    with open_registry(settings_for(loaded, timeout)) as registry:
        return log_run(registry, report, evidence_path)


def local_model_file(registry: Registry, loaded: LoadedPolicy, path: str) -> Path:
    from mlops_gate.registry.uris import is_registry_uri, resolve

    if not is_registry_uri(path):
        return loaded.resolve(path)
    resolved = resolve(registry, path, registry.settings.workdir / "cache" / "registry")
    assert resolved.path is not None  # allow_missing=False: an unset alias raised
    return resolved.path
