"""Where a promoted version lives: the one seam between promotion and the kind of thing promoted.

Promotion, history and rollback (`promote.py`, `history.py`, `rollback.py`, `pointer.py`) do the
same steps for every kind: find-or-register by content, lock, record the move, set the alias, read
it back. What differs is the MLflow API behind each step, and that is all a `VersionStore` holds:

- `ModelVersions`: registered models and their versions (`versions.py`): an ONNX model
  (`MODELS`), or a generation model known only by its outputs (`registry/release.py`);
- `PromptVersions` (`registry/prompts.py`): MLflow 3's prompt registry, for a prompt template.
  MLflow refuses the registered-model calls on a prompt's name (it answers "not found"), so
  each store reads aliases and tags through its own API.

`from_policy.pointer_for` picks the store once per policy; everything downstream asks the
pointer's store. Stages (`pointer.py`) exist only for registered models.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from mlops_gate.registry.errors import RegistryMissing

if TYPE_CHECKING:
    from mlops_gate.evidence import VerifiedEvidence
    from mlops_gate.registry.mlflow_client import Registry
    from mlops_gate.registry.signature import ModelExample
    from mlops_gate.registry.versions import Payload

    PayloadFor = Callable[[VerifiedEvidence, ModelExample | None], Payload]


class VersionStore(Protocol):
    """The registry calls promotion needs for one kind of versioned thing."""

    @property
    def noun(self) -> str:
        """What a version is, in messages: `model`, `prompt`."""
        ...

    def label(self, name: str, alias: str) -> str:
        """How `name@alias` is shown (`fraud@champion`, `prompts:/support@production`)."""
        ...

    def ensure(self, registry: Registry, name: str) -> None:
        """Create `name` if it does not exist; refuse a name held by the other kind."""
        ...

    def find(self, registry: Registry, name: str, evidence: VerifiedEvidence) -> str | None:
        """The version already holding what `evidence` vouches for, if any."""
        ...

    def register(
        self,
        registry: Registry,
        name: str,
        evidence: VerifiedEvidence,
        example: ModelExample | None = None,
    ) -> tuple[str, bool]:
        """(version, created now): found by content and re-tagged, else created with its tags."""
        ...

    def holder(self, registry: Registry, name: str, alias: str) -> str | None:
        """The version `alias` points at; `None` when unset or `name` does not exist."""
        ...

    def set_alias(self, registry: Registry, name: str, alias: str, version: str) -> None: ...

    def delete_alias(self, registry: Registry, name: str, alias: str) -> None: ...

    def tags(self, registry: Registry, name: str, step: str) -> dict[str, str]:
        """The tags on `name` itself (where the history lives); empty when it does not exist.
        `step` names the call in an error message."""
        ...

    def set_tag(self, registry: Registry, name: str, key: str, value: str, step: str) -> None: ...

    def version_tags(self, registry: Registry, name: str, version: str) -> dict[str, str]:
        """A version's tags; `RegistryMissing` when the version is gone."""
        ...

    def tag_version(
        self, registry: Registry, name: str, version: str, tags: dict[str, str]
    ) -> None:
        """Set `tags` on an existing version (deploy records a canary's outcome this way)."""
        ...


@dataclass(frozen=True)
class ModelVersions:
    """Registered models: each version a run artifact folder made by `payload_for`."""

    payload_for: PayloadFor
    noun: str = "model"

    def label(self, name: str, alias: str) -> str:
        return f"{name}@{alias}"

    def ensure(self, registry: Registry, name: str) -> None:
        from mlops_gate.registry.versions import ensure_registered_model

        ensure_registered_model(registry, name)

    def find(self, registry: Registry, name: str, evidence: VerifiedEvidence) -> str | None:
        from mlops_gate.registry.versions import find_tagged

        return find_tagged(registry, name, dict([self.payload_for(evidence, None).key]))

    def register(
        self,
        registry: Registry,
        name: str,
        evidence: VerifiedEvidence,
        example: ModelExample | None = None,
    ) -> tuple[str, bool]:
        from mlops_gate.registry.versions import register_payload

        return register_payload(registry, name, evidence, self.payload_for(evidence, example))

    def holder(self, registry: Registry, name: str, alias: str) -> str | None:
        from mlops_gate.registry.uris import alias_version

        return alias_version(registry, name, alias)

    def set_alias(self, registry: Registry, name: str, alias: str, version: str) -> None:
        registry.call(
            f"set alias {name}@{alias}",
            registry.client.set_registered_model_alias,
            name,
            alias,
            version,
        )

    def delete_alias(self, registry: Registry, name: str, alias: str) -> None:
        registry.call(
            f"delete alias {name}@{alias}",
            registry.client.delete_registered_model_alias,
            name,
            alias,
        )

    def tags(self, registry: Registry, name: str, step: str) -> dict[str, str]:
        with contextlib.suppress(RegistryMissing):
            return dict(registry.call(step, registry.client.get_registered_model, name).tags)
        return {}

    def set_tag(self, registry: Registry, name: str, key: str, value: str, step: str) -> None:
        registry.call(step, registry.client.set_registered_model_tag, name, key, value)

    def version_tags(self, registry: Registry, name: str, version: str) -> dict[str, str]:
        found = registry.call(
            f"get {name} v{version}", registry.client.get_model_version, name, version
        )
        return dict(found.tags)

    def tag_version(
        self, registry: Registry, name: str, version: str, tags: dict[str, str]
    ) -> None:
        from mlops_gate.registry.versions import tag_version

        tag_version(registry, name, version, tags)


def _onnx(evidence: VerifiedEvidence, example: ModelExample | None) -> Payload:
    from mlops_gate.registry.versions import onnx_payload

    return onnx_payload(evidence, example)


MODELS = ModelVersions(_onnx)
"""ONNX models (and any model file the gates read as one): the default store."""
