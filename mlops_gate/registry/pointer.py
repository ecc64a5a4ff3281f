"""What "the champion" is in the registry: an alias, a stage, or both (the alias leads).

Stages (`Production`, ...) are deprecated since MLflow 2.9 but still used, so they are supported:
with an alias and a stage, the alias says who holds the role and the version is also moved to the
stage (`archive_existing_versions` by default, so one version holds it). With a stage alone, the
holder is the version most recently moved into that stage. Every move is read back.

The alias calls go through the pointer's `store` (`store.py`): a registered model's alias, or a
prompt's (MLflow 3's prompt registry). Stages exist for registered models only.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlops_gate.registry.errors import RegistryError, RegistryMissing
from mlops_gate.registry.mlflow_client import normalize_version
from mlops_gate.registry.store import MODELS

if TYPE_CHECKING:
    from mlops_gate.policy.model import PromoteSpec
    from mlops_gate.registry.mlflow_client import Registry
    from mlops_gate.registry.store import VersionStore


@dataclass(frozen=True)
class Pointer:
    model_name: str
    alias: str | None
    stage: str | None = None
    archive_existing_versions: bool = True
    store: VersionStore = field(default=MODELS, compare=False)
    """Where the versions live: registered models (the default) or prompts (`store.py`)."""

    @classmethod
    def from_spec(
        cls, spec: PromoteSpec, default_name: str, store: VersionStore = MODELS
    ) -> Pointer:
        return cls(
            spec.model_name or default_name,
            spec.alias,
            spec.stage,
            spec.archive_existing_versions,
            store,
        )

    @property
    def key(self) -> str:
        """Names the pointer in tag keys and the lock: `alias.champion` or `stage.Production`."""
        return f"alias.{self.alias}" if self.alias else f"stage.{self.stage}"

    @property
    def label(self) -> str:
        return (
            self.store.label(self.model_name, self.alias)
            if self.alias
            else f"{self.model_name} (stage {self.stage})"
        )

    def holder(self, registry: Registry) -> str | None:
        """The version holding the role now, or `None`."""
        if self.alias:
            return self.store.holder(registry, self.model_name, self.alias)
        return self._stage_holder(registry)

    def move(self, registry: Registry, version: str) -> None:
        """Give the role to `version`, then read it back; a different answer is an error."""
        if self.alias:
            self.store.set_alias(registry, self.model_name, self.alias, version)
            self.verify(registry, version)
        self.complete(registry, version)
        if not self.alias:
            self.verify(registry, version)

    def unset(self, registry: Registry, version: str) -> None:
        """Take the role away from `version`, leaving no holder: the alias is deleted, and with a
        stage the version is archived. Read back like a move."""
        if self.alias:
            self.store.delete_alias(registry, self.model_name, self.alias)
        if self.stage:
            archived = Pointer(self.model_name, None, "Archived", archive_existing_versions=False)
            archived.complete(registry, version)
        seen = self.holder(registry)
        if seen is not None:
            raise RegistryError(
                f"{self.label} reads back as version {seen} right after taking it away from "
                f"{version}: another writer moved it; see `mlops-gate history`"
            )

    def verify(self, registry: Registry, version: str) -> None:
        seen = self.holder(registry)
        if seen != version:
            raise RegistryError(
                f"{self.label} reads back as version {seen} right after moving it to {version}: "
                "another writer moved it; see `mlops-gate history`"
            )

    def complete(self, registry: Registry, version: str) -> None:
        """Move `version` into the stage too, when one is configured and it is not there yet."""
        if not self.stage:
            return
        current = registry.call(
            f"get {self.model_name} v{version}",
            registry.client.get_model_version,
            self.model_name,
            version,
        )
        if current.current_stage == self.stage:
            return
        with warnings.catch_warnings():
            # Deliberate use of the deprecated stage API (issue #4, item 3): not the user's concern.
            warnings.simplefilter("ignore", FutureWarning)
            registry.call(
                f"move {self.model_name} v{version} to stage {self.stage}",
                registry.client.transition_model_version_stage,
                self.model_name,
                version,
                self.stage,
                self.archive_existing_versions,
            )

    def _stage_holder(self, registry: Registry) -> str | None:
        try:
            found: list[Any] = registry.call(
                f"search {self.model_name} versions",
                registry.client.search_model_versions,
                f"name='{self.model_name}'",
            )
        except RegistryMissing:
            return None
        in_stage = [v for v in found if v.current_stage == self.stage]
        if not in_stage:
            return None
        latest = max(in_stage, key=lambda v: (int(v.last_updated_timestamp or 0), int(v.version)))
        return normalize_version(latest.version)
