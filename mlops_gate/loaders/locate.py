"""Where a model named by the policy is on disk: the locator the evaluation context is given.

`model.path` / `baseline.path` are local files or registry URIs. The context does not know which:
it asks its `ModelLocator`. `LocalFiles` (here) resolves files against the policy's folder and
refuses registry URIs; `mlops_gate.registry.locator.RegistryLocator` adds the registry (download
once into the cache). The command that builds the context chooses, so `loaders/` never imports
the registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from mlops_gate.errors import InputError

REGISTRY_PREFIXES = ("models:/", "runs:/")
Role = Literal["model", "baseline"]


def is_registry_uri(value: str) -> bool:
    """Whether a model path names a registry model (`models:/...`, `runs:/...`), not a file."""
    return value.startswith(REGISTRY_PREFIXES)


@dataclass(frozen=True)
class ResolvedModel:
    """A model on local disk; `path is None` when a registry alias is not set yet (first run)."""

    uri: str
    path: Path | None
    name: str | None = None
    version: str | None = None
    run_id: str | None = None
    note: str | None = None


class ModelLocator(Protocol):
    def locate(self, value: str, role: Role) -> ResolvedModel:
        """Where the model the policy names `value` (as `role`) is on disk."""
        ...


@dataclass(frozen=True)
class LocalFiles:
    """Model paths as files, relative to `base_dir` (the policy's folder)."""

    base_dir: Path

    def locate(self, value: str, role: Role) -> ResolvedModel:
        if is_registry_uri(value):
            raise InputError(
                f"{value}: a registry URI, but this command has no registry (install the "
                "`registry` extra: pip install 'mlops-gate[registry]')"
            )
        path = Path(value)
        return ResolvedModel(uri=value, path=path if path.is_absolute() else self.base_dir / path)
