"""What the registry needs from a loaded policy: its settings, its alias, the files it names.

Every command that opens the registry for a policy goes through these, so the tracking URI, the
timeout and the pointer (alias/stage) are read in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.loaders.locate import is_registry_uri
from mlops_gate.registry.mlflow_client import RegistrySettings
from mlops_gate.registry.pointer import Pointer

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.registry.mlflow_client import Registry


def settings_for(loaded: LoadedPolicy, timeout: float = DEFAULT_TIMEOUT_S) -> RegistrySettings:
    policy = loaded.policy
    trust = bool(policy.model and policy.model.trust == "pickle")
    uri = policy.promote.tracking_uri if policy.promote else None
    return RegistrySettings(tracking_uri=uri, timeout_s=timeout, trust_pickle=trust)


def pointer_for(loaded: LoadedPolicy) -> Pointer:
    from mlops_gate.policy.model import PromoteSpec

    return Pointer.from_spec(loaded.policy.promote or PromoteSpec(), loaded.policy.name)


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
