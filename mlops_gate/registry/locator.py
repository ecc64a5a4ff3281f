"""`model.path` / `baseline.path` as files or registry URIs, for the evaluation context (issue #4).

A local path resolves against the policy's folder, as before. A registry URI is downloaded into
`.mlops-gate/cache/registry/` (once) and the local file is what the gates read and the evidence
hashes. For the baseline, an alias that nothing holds yet is not an error: the first run of a
project has no champion, so `path` is `None` and `note` says why baseline comparisons are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.loaders.locate import LocalFiles, ModelLocator, ResolvedModel, Role, is_registry_uri

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy


@dataclass(frozen=True)
class RegistryLocator:
    """Files as `LocalFiles` does; registry URIs downloaded from the policy's registry."""

    loaded: LoadedPolicy
    timeout: float = DEFAULT_TIMEOUT_S

    def locate(self, value: str, role: Role) -> ResolvedModel:
        if not is_registry_uri(value):
            return LocalFiles(self.loaded.base_dir).locate(value, role)
        from mlops_gate.registry.from_policy import settings_for
        from mlops_gate.registry.mlflow_client import open_registry
        from mlops_gate.registry.uris import resolve

        with open_registry(settings_for(self.loaded, self.timeout)) as registry:
            cache = registry.settings.workdir / "cache" / "registry"
            return resolve(registry, value, cache, allow_missing=role == "baseline")


def locator_for(loaded: LoadedPolicy, timeout: float = DEFAULT_TIMEOUT_S) -> ModelLocator:
    """The registry locator when the policy reads a registry model, else plain files."""
    from mlops_gate.registry.from_policy import reads_registry

    if reads_registry(loaded):
        return RegistryLocator(loaded, timeout)
    return LocalFiles(loaded.base_dir)
