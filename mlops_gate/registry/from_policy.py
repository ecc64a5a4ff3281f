"""What the registry needs from a loaded policy: its settings, its alias, the files it names.

Every command that opens the registry for a policy goes through these, so the tracking URI, the
timeout and the pointer (alias/stage) are read in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.errors import InputError
from mlops_gate.loaders.locate import is_registry_uri
from mlops_gate.registry.mlflow_client import RegistrySettings
from mlops_gate.registry.pointer import Pointer

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.registry.mlflow_client import Registry
    from mlops_gate.registry.store import VersionStore


def settings_for(loaded: LoadedPolicy, timeout: float = DEFAULT_TIMEOUT_S) -> RegistrySettings:
    policy = loaded.policy
    trust = bool(policy.model and policy.model.trust == "pickle")
    uri = policy.promote.tracking_uri if policy.promote else None
    return RegistrySettings(tracking_uri=uri, timeout_s=timeout, trust_pickle=trust)


def pointer_for(loaded: LoadedPolicy) -> Pointer:
    """The alias (or stage) `promote` moves, in the store its model's kind lives in."""
    from mlops_gate.policy.model import PromoteSpec

    spec = loaded.policy.promote or PromoteSpec()
    store = store_for(loaded)
    if store.noun == "prompt" and spec.stage is not None:
        raise InputError(
            f"{loaded.path}: promote.stage does not apply to a prompt (MLflow's prompt registry "
            "has aliases only): remove it and keep promote.alias"
        )
    return Pointer.from_spec(spec, loaded.policy.name, store)


def store_for(loaded: LoadedPolicy) -> VersionStore:
    """Where the policy's model is registered: a generation model's prompt template in MLflow's
    prompt registry, its outputs file (no prompt) as a registered model holding the release
    (`registry/release.py`), anything else as a registered ONNX model."""
    from mlops_gate.registry.store import MODELS

    model = loaded.policy.model
    if model is None or model.task != "generation":
        return MODELS
    from mlops_gate.registry.release import Declared, generation_models

    declared = Declared.from_spec(model)
    if model.prompt is None:
        return generation_models(declared)
    from mlops_gate.registry.prompts import PromptVersions

    return PromptVersions(declared)


def registry_configured(loaded: LoadedPolicy) -> bool:
    """A policy uses the registry when it has `promote:` or reads a model from it."""
    policy = loaded.policy
    paths = [ref.path for ref in (policy.model, policy.baseline) if ref is not None]
    return policy.promote is not None or any(is_registry_uri(path) for path in paths)


def reads_registry(loaded: LoadedPolicy) -> bool:
    """Whether evaluating the policy downloads a model from the registry."""
    policy = loaded.policy
    refs = [policy.model, policy.baseline]
    return any(ref is not None and is_registry_uri(ref.path) for ref in refs)


def local_model_file(registry: Registry, loaded: LoadedPolicy, path: str) -> Path:
    """`path` as a local file: itself (policy-relative), or a registry URI's cached download."""
    from mlops_gate.registry.uris import resolve

    if not is_registry_uri(path):
        return loaded.resolve(path)
    resolved = resolve(registry, path, registry.settings.workdir / "cache" / "registry")
    assert resolved.path is not None  # allow_missing=False: an unset alias raised
    return resolved.path
