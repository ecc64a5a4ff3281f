"""A generation model as a release: what ships, what it is sent to, and what vouches for it.

An LLM application ships a prompt template with a model name and its params (or, with
`outputs:`, a file of outputs generated elsewhere). What the registry records comes from the
evidence: the first generation gate's `details.generation.model` says what the check really used
(the endpoint and model after `${VAR}` substitution, the params, the sha256 of the prompt, of the
eval file and of the outputs judged). A policy whose gates record none of it (an `assertions`
gate alone) falls back to what the policy declares.

A release is found again by `release_sha256`, the hash of what ships: the shipped file's sha256,
the model name and the params. The endpoint is not part of it: the same model served from
another URL (CI's server, production's) is the same release; it is recorded as a tag.

`generation_payload` is the registered-model form (`store.ModelVersions`), for a model known
only by its outputs: the prompt registry holds templates, and an `outputs:` file is none.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import PromotionRefused
from mlops_gate.fsutil import sha256_bytes, sha256_file
from mlops_gate.registry.store import ModelVersions
from mlops_gate.registry.versions import TAG, Payload

if TYPE_CHECKING:
    from pathlib import Path

    from mlops_gate.evidence import VerifiedEvidence
    from mlops_gate.policy.generation import GenerationFields
    from mlops_gate.registry.signature import ModelExample

RELEASE_KEY = f"{TAG}release_sha256"
CONFIG_FILE = "generation.json"
OUTPUTS_FILE = "outputs.jsonl"


@dataclass(frozen=True)
class Declared:
    """A generation model as the policy declares it: the fallback for evidence without details."""

    source: str
    model: str | None = None
    endpoint: str | None = None
    params: str = "{}"
    """Canonical JSON (a frozen dataclass holds no dict)."""

    @classmethod
    def from_spec(cls, spec: GenerationFields) -> Declared:
        if spec.outputs is not None:
            return cls("outputs", spec.model)
        return cls("endpoint", spec.model, spec.endpoint, canonical(dict(spec.params)))


@dataclass(frozen=True)
class Release:
    """What one generation model's promotion records (see the module docstring)."""

    source: str
    model_sha256: str
    """The shipped file's sha256: the prompt template, else the outputs file."""
    model: str | None
    endpoint: str | None
    params: dict[str, Any] = field(default_factory=dict)
    eval_sha256: str | None = None
    outputs_sha256: str | None = None

    @property
    def key(self) -> str:
        """`release_sha256`: the shipped bytes, the model name and the params."""
        shipped = {"model_sha256": self.model_sha256, "model": self.model, "params": self.params}
        return sha256_bytes(canonical(shipped).encode("utf-8"))

    def tags(self) -> dict[str, str]:
        """The release's tags on its version (the evidence's own tags come from versions.py)."""
        found = {
            RELEASE_KEY: self.key,
            f"{TAG}llm.source": self.source,
            f"{TAG}llm.model": self.model,
            f"{TAG}llm.endpoint": self.endpoint,
            f"{TAG}llm.params": canonical(self.params) if self.source == "endpoint" else None,
            f"{TAG}eval_sha256": self.eval_sha256,
            f"{TAG}outputs_sha256": self.outputs_sha256,
        }
        return {key: value for key, value in found.items() if value is not None}

    def model_config(self) -> dict[str, Any] | None:
        """MLflow's `PromptModelConfig` for a prompt version: the model name and its params."""
        return {"model_name": self.model, **self.params} if self.model else None


def release_of(evidence: VerifiedEvidence, declared: Declared) -> Release:
    """The release `evidence` vouches for (its gates' record, else the policy's `declared`)."""
    found = recorded(evidence)
    inputs = evidence.document["inputs"]
    if found is None:
        return Release(
            source=declared.source,
            model_sha256=evidence.model_sha256,
            model=declared.model,
            endpoint=declared.endpoint,
            params=json.loads(declared.params),
            eval_sha256=(inputs.get("data.eval") or {}).get("sha256"),
        )
    shipped = found.get("prompt") or found.get("outputs") or {}
    if shipped.get("sha256") != evidence.model_sha256:
        raise PromotionRefused(
            f"{evidence.path}: the outputs the gates judged came from {shipped.get('path')}, not "
            "from the model file the evidence binds; re-run check"
        )
    return Release(
        source=str(found.get("source", declared.source)),
        model_sha256=evidence.model_sha256,
        model=found.get("model", declared.model),
        endpoint=found.get("endpoint"),
        params=dict(found.get("params") or {}),
        eval_sha256=(found.get("eval") or {}).get("sha256"),
        outputs_sha256=found.get("outputs_sha256"),
    )


def recorded(evidence: VerifiedEvidence) -> dict[str, Any] | None:
    """The model's generation record of the first gate that has one."""
    for gate in evidence.document["results"].get("gates", []):
        details = gate.get("details") if isinstance(gate, dict) else None
        generation = details.get("generation") if isinstance(details, dict) else None
        model = generation.get("model") if isinstance(generation, dict) else None
        if isinstance(model, dict):
            return model
    return None


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class GenerationPayload:
    """`store.PayloadFor` of an `outputs:` model: a folder with `generation.json` (the release)
    and the outputs file, byte-identical to the gated one."""

    declared: Declared

    def __call__(self, evidence: VerifiedEvidence, example: ModelExample | None) -> Payload:
        release = release_of(evidence, self.declared)

        def build(tmp: Path) -> Path:
            folder = tmp / "generation"
            folder.mkdir()
            outputs = folder / OUTPUTS_FILE
            shutil.copyfile(evidence.model_path, outputs)
            if sha256_file(outputs) != evidence.model_sha256:  # changed since it was verified
                raise PromotionRefused(
                    f"{evidence.model_path}: changed during the promotion; re-run check"
                )
            config = {"policy": evidence.policy_name, **asdict(release), "key": release.key}
            (folder / CONFIG_FILE).write_text(canonical(config) + "\n", encoding="utf-8")
            return folder

        return Payload("generation", build, (RELEASE_KEY, release.key), release.tags())


def generation_models(declared: Declared) -> ModelVersions:
    """The registered-model store of an `outputs:` generation model."""
    return ModelVersions(GenerationPayload(declared))
