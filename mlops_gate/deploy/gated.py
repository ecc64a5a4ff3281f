"""What every deploy target needs before it sends a request anywhere: a gated promotion.

`deploy` ships the bytes `check` judged, and only once `promote` registered them and moved the
policy's alias (`promote.alias`, default `champion`) to their version. So it refuses (exit 2):
- evidence that did not pass, or that does not match today's policy, model and data (the same
  verification as promote, `mlops_gate.evidence`);
- a model whose version is not registered, or whose version does not hold the promoted alias:
  "deploy needs a gated promotion first".
After a canary reaches 100%, `conclude` moves the serving alias (`deploy.canary.alias`, default
`production`) to the version through promote's own compare-and-set, lock and history, so
`mlops-gate history` shows it and a rollback can undo it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.errors import InputError, PromotionRefused

if TYPE_CHECKING:
    from mlops_gate.evidence import VerifiedEvidence
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.policy.model import CanarySpec
    from mlops_gate.registry.mlflow_client import Registry
    from mlops_gate.registry.pointer import Pointer
    from mlops_gate.registry.promote import PromotionResult


@dataclass(frozen=True)
class GatedRelease:
    """A model that passed its gates and was promoted: what a deploy target may ship."""

    loaded: LoadedPolicy
    canary: CanarySpec
    evidence: VerifiedEvidence
    model_name: str
    version: str
    promoted: str
    """The promotion that vouches for it, e.g. `credit-risk@champion`."""
    serving: str | None
    """The version holding `deploy.canary.alias` now (`None` on a first deploy)."""
    registry: str

    @property
    def already_serving(self) -> bool:
        return self.serving == self.version


def canary_spec(loaded: LoadedPolicy) -> CanarySpec:
    deploy = loaded.policy.deploy
    if deploy is None or deploy.canary is None:
        raise InputError(
            f"{loaded.path}: the policy has no `deploy.canary` section: nothing to deploy "
            "(see docs/deploy.md)"
        )
    return deploy.canary


def require_promotion(
    loaded: LoadedPolicy, evidence_path: Path, *, timeout: float
) -> tuple[GatedRelease, Path]:
    """The gated release and the local path of the model file it ships; refuses as above."""
    from mlops_gate.engine.inputs import shipped_inputs
    from mlops_gate.evidence import verify_evidence
    from mlops_gate.registry.from_policy import local_model_file, pointer_for, settings_for
    from mlops_gate.registry.mlflow_client import open_registry
    from mlops_gate.registry.versions import find_version

    spec = canary_spec(loaded)
    model = loaded.policy.model
    if model is None:
        raise InputError(f"{loaded.path}: the policy has no `model`: nothing to deploy")
    with open_registry(settings_for(loaded, timeout)) as registry:
        model_file = local_model_file(registry, loaded, model.path)
        evidence = verify_evidence(evidence_path, loaded, shipped_inputs(loaded, model_file))
        pointer = pointer_for(loaded)
        version = find_version(registry, pointer.model_name, evidence.model_sha256)
        holder = pointer.holder(registry)
        if version is None or holder != version:
            raise PromotionRefused(_not_promoted(pointer, evidence, version, holder))
        release = GatedRelease(
            loaded=loaded,
            canary=spec,
            evidence=evidence,
            model_name=pointer.model_name,
            version=version,
            promoted=pointer.label,
            serving=_serving_pointer(pointer, spec).holder(registry),
            registry=registry.display,
        )
    return release, model_file


def stable_model(release: GatedRelease, *, timeout: float) -> tuple[Path, str]:
    """The model serving today and how it was found: `deploy.canary.stable`, else the version
    holding `deploy.canary.alias`, else `baseline.path`."""
    from mlops_gate.loaders.locate import is_registry_uri
    from mlops_gate.registry.from_policy import local_model_file, settings_for
    from mlops_gate.registry.mlflow_client import open_registry

    loaded, spec = release.loaded, release.canary
    if spec.stable is not None:
        source = spec.stable
    elif release.serving is not None:
        source = f"models:/{release.model_name}/{release.serving}"
    elif loaded.policy.baseline is not None:
        source = loaded.policy.baseline.path
    else:
        raise InputError(
            f"{loaded.path}: no stable model to compare the canary with: set "
            f"deploy.canary.stable or baseline.path (no version holds "
            f"{release.model_name}@{spec.alias} yet)"
        )
    if not is_registry_uri(source):
        path = loaded.resolve(source)
        if not path.is_file():
            raise InputError(f"{path}: stable model not found (deploy.canary.stable / baseline)")
        return path, source
    with open_registry(settings_for(loaded, timeout)) as registry:
        return local_model_file(registry, loaded, source), source


def conclude(
    release: GatedRelease, tags: dict[str, str], *, move_reason: str | None, timeout: float
) -> PromotionResult | None:
    """After the canary, in one registry session: with `move_reason`, move `deploy.canary.alias`
    to the release's version (promote's compare-and-set); then record the outcome on the version
    (`mlops_gate.canary.*` tags). The move's result, or None when nothing was to move."""
    from mlops_gate.registry.from_policy import pointer_for, settings_for
    from mlops_gate.registry.mlflow_client import open_registry
    from mlops_gate.registry.promote import promote_verified

    moved = None
    with open_registry(settings_for(release.loaded, timeout)) as registry:
        if move_reason is not None:
            pointer = _serving_pointer(pointer_for(release.loaded), release.canary)
            moved = promote_verified(registry, pointer, release.evidence, reason=move_reason)
        _set_tags(registry, release, tags)
    return moved


def _set_tags(registry: Registry, release: GatedRelease, tags: dict[str, str]) -> None:
    for key, value in tags.items():
        registry.call(
            f"tag version {release.version}",
            registry.client.set_model_version_tag,
            release.model_name,
            release.version,
            key,
            value,
        )


def _serving_pointer(promoted: Pointer, spec: CanarySpec) -> Pointer:
    from mlops_gate.registry.pointer import Pointer

    return Pointer(promoted.model_name, spec.alias)


def _not_promoted(
    pointer: Pointer, evidence: VerifiedEvidence, version: str | None, holder: str | None
) -> str:
    sha = evidence.model_sha256[:12]
    if version is None:
        where = f"model {sha} is not registered as {pointer.model_name}"
    else:
        where = f"{pointer.label} is held by version {holder or 'none'}, not {version} ({sha})"
    return f"deploy needs a gated promotion first: {where}; run `mlops-gate promote`"
