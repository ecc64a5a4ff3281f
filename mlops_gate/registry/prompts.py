"""A prompt template promoted into MLflow 3's prompt registry (issue 18, item 6).

`PromptVersions` is the `VersionStore` (`store.py`) of a generation model with a `prompt`: each
version is the template's text, registered as it is in the file (its UTF-8 bytes are the bytes
the evidence hashed; a file changed since the check is refused, never registered), with the
evidence's tags (`versions.version_tags`) and the release's (`release.py`: model, endpoint,
params, the sha256 of eval file and outputs, `release_sha256`), and MLflow's `model_config`
(the model name and params, when MLflow's `PromptModelConfig` accepts them). A version and its
tags are created in one request. Applications read it with
`mlflow.genai.load_prompt("prompts:/<name>@<alias>")`.

The template keeps mlops-gate's syntax (`{input}`, `{context}`, `{id}`; `{{`/`}}` literal):
MLflow's `PromptVersion.format` fills `{{name}}` instead, so render it as mlops-gate does
(`mlops_gate.llm.prompt.render`).

In OSS MLflow a prompt is a registered model tagged `mlflow.prompt.is_prompt`, and MLflow's
registered-model calls answer "not found" for it; so the prompt is read by a search naming that
tag (its aliases and tags, where the history lives) and written through the prompt calls.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import InputError, PromotionRefused
from mlops_gate.fsutil import read_regular, sha256_bytes
from mlops_gate.registry.errors import RegistryConflict, RegistryMissing
from mlops_gate.registry.mlflow_client import normalize_version
from mlops_gate.registry.release import Declared, Release, release_of
from mlops_gate.registry.versions import find_tagged, promote_run, version_tags

if TYPE_CHECKING:
    from mlops_gate.evidence import VerifiedEvidence
    from mlops_gate.registry.mlflow_client import Registry
    from mlops_gate.registry.signature import ModelExample

IS_PROMPT = "mlflow.prompt.is_prompt"  # MLflow's own tag (mlflow.prompt.constants)
MAX_TEMPLATE_CHARS = 100_000  # MLflow's limit on a prompt's text
DESCRIPTION = "Prompt templates promoted by mlops-gate on passing evidence (docs/llm.md)."


@dataclass(frozen=True)
class PromptVersions:
    """Prompts and their versions (see the module docstring)."""

    declared: Declared
    noun: str = "prompt"

    def label(self, name: str, alias: str) -> str:
        return f"prompts:/{name}@{alias}"

    def ensure(self, registry: Registry, name: str) -> None:
        with contextlib.suppress(RegistryConflict):  # created before: fine
            registry.call(f"create prompt {name}", registry.client.create_prompt, name, DESCRIPTION)
        if self._prompt(registry, name, f"read prompt {name}") is None:
            raise InputError(
                f"{name} in {registry.display} is a registered model, not a prompt (MLflow keeps "
                "one name for one of them): set promote.model_name to another name"
            )

    def find(self, registry: Registry, name: str, evidence: VerifiedEvidence) -> str | None:
        return self._find(registry, name, release_of(evidence, self.declared))

    def register(
        self,
        registry: Registry,
        name: str,
        evidence: VerifiedEvidence,
        example: ModelExample | None = None,
    ) -> tuple[str, bool]:
        release = release_of(evidence, self.declared)
        existing = self._find(registry, name, release)
        run_id, _ = promote_run(registry, evidence, None)  # the evidence, kept beside the version
        tags = {**version_tags(evidence, run_id), **release.tags()}
        if existing is not None:
            self.tag_version(registry, name, existing, tags)
            return existing, False
        created = registry.call(
            f"register prompt {name}",
            registry.client.create_prompt_version,
            name,
            template_text(evidence),
            description=f"mlops-gate: check passed ({evidence.gate_count} gates, policy "
            f"{evidence.policy_name}), evidence {evidence.sha256[:12]}",
            tags=tags,
            model_config=model_config(release),
        )
        return str(normalize_version(created.version)), True

    def holder(self, registry: Registry, name: str, alias: str) -> str | None:
        prompt = self._prompt(registry, name, f"read alias {self.label(name, alias)}")
        return None if prompt is None else normalize_version(dict(prompt.aliases).get(alias))

    def set_alias(self, registry: Registry, name: str, alias: str, version: str) -> None:
        registry.call(
            f"set alias {self.label(name, alias)}",
            registry.client.set_prompt_alias,
            name,
            alias,
            int(version),
        )

    def delete_alias(self, registry: Registry, name: str, alias: str) -> None:
        registry.call(
            f"delete alias {self.label(name, alias)}",
            registry.client.delete_prompt_alias,
            name,
            alias,
        )

    def tags(self, registry: Registry, name: str, step: str) -> dict[str, str]:
        prompt = self._prompt(registry, name, step)
        return {} if prompt is None else dict(prompt.tags)

    def set_tag(self, registry: Registry, name: str, key: str, value: str, step: str) -> None:
        registry.call(step, registry.client.set_prompt_tag, name, key, value)

    def version_tags(self, registry: Registry, name: str, version: str) -> dict[str, str]:
        found = registry.call(
            f"get prompt {name} v{version}", registry.client.get_prompt_version, name, version
        )
        if found is None:
            raise RegistryMissing(f"prompt {name} version {version} not found")
        return dict(found.tags)

    def tag_version(
        self, registry: Registry, name: str, version: str, tags: dict[str, str]
    ) -> None:
        for key, value in tags.items():
            registry.call(
                f"tag prompt {name} v{version}",
                registry.client.set_prompt_version_tag,
                name,
                version,
                key,
                value,
            )

    def _find(self, registry: Registry, name: str, release: Release) -> str | None:
        from mlops_gate.registry.release import RELEASE_KEY

        return find_tagged(registry, name, {IS_PROMPT: "true", RELEASE_KEY: release.key})

    def _prompt(self, registry: Registry, name: str, step: str) -> Any:
        """The prompt as MLflow's registered-model entity (aliases, tags), or `None`."""
        query = f"name = '{name}' and tags.`{IS_PROMPT}` = 'true'"
        found: list[Any] = registry.call(step, registry.client.search_registered_models, query)
        return found[0] if found else None


def template_text(evidence: VerifiedEvidence) -> str:
    """The template's text, from bytes that hash to what the evidence verified."""
    path = evidence.model_path
    data = read_regular(path, "prompt template")
    if sha256_bytes(data) != evidence.model_sha256:
        raise PromotionRefused(
            f"{path}: prompt template changed during the promotion; re-run check"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: the prompt template is not UTF-8 text") from None
    if len(text) > MAX_TEMPLATE_CHARS:
        raise InputError(
            f"{path}: the prompt template has {len(text)} characters; MLflow's prompt registry "
            f"holds at most {MAX_TEMPLATE_CHARS}"
        )
    return text


def model_config(release: Release) -> dict[str, Any] | None:
    """The model name and params as MLflow's `PromptModelConfig`, or `None` where it refuses them
    (a value outside its ranges): the `mlops_gate.llm.*` tags hold them either way."""
    config = release.model_config()
    if config is None:
        return None
    from mlflow.entities.model_registry.prompt_version import PromptModelConfig

    try:
        PromptModelConfig.from_dict(config)
    except ValueError:  # pydantic's ValidationError is one
        return None
    return config
