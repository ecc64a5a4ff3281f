"""What every deploy target needs before it sends a request anywhere: a gated promotion.

`deploy` ships the bytes `check` judged, and only once `promote` registered them and moved the
policy's alias (`promote.alias`, default `champion`) to their version. So it refuses (exit 2):
- evidence that did not pass, or that does not match today's policy, model and data (the same
  verification as promote, `mlops_gate.evidence`);
- a model whose version is not registered, or whose version does not hold the promoted alias:
  "deploy needs a gated promotion first".
After a canary reaches 100%, `conclude` moves the serving alias (`deploy.canary.alias`, default
`production`) to the version through promote's own compare-and-set, lock and history, so
`mlops-gate history` shows it and a rollback can undo it. Any other ending gives the promoted alias
back to the version it held before this release (issue 14): a release moves both aliases or none.

The champion the check compared with may be the very alias `promote` just moved (`baseline:
models:/NAME@champion`, `promote.alias: champion`): that move is this release's own, recorded with
this evidence, and is not "baseline moved" (`registry.promote.check_baseline`); a move by anyone
else still is, both before the canary starts and when it concludes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.errors import InputError, PromotionRefused

STATUS_TAG = "mlops_gate.canary.status"
MESSAGE_TAG = "mlops_gate.canary.message"

if TYPE_CHECKING:
    from mlops_gate.evidence import VerifiedEvidence
    from mlops_gate.policy.deploy import CanarySpec
    from mlops_gate.policy.loader import LoadedPolicy
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

    @property
    def serving_label(self) -> str:
        return f"{self.model_name}@{self.canary.alias}"


@dataclass(frozen=True)
class Conclusion:
    """What the registry made of a canary's ending (`conclude`)."""

    moved: PromotionResult | None = None
    """The serving alias moved to the release (the canary reached 100%)."""
    refused: str | None = None
    """Why the serving alias did not move although the canary reached 100%."""
    given_back: PromotionResult | None = None
    """The promoted alias given back to its previous holder (the release did not ship)."""


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
    from mlops_gate.registry.promote import check_baseline

    spec = canary_spec(loaded)
    model = loaded.policy.model
    if model is None:
        raise InputError(f"{loaded.path}: the policy has no `model`: nothing to deploy")
    with open_registry(settings_for(loaded, timeout)) as registry:
        model_file = local_model_file(registry, loaded, model.path)
        evidence = verify_evidence(evidence_path, loaded, shipped_inputs(loaded, model_file))
        pointer = pointer_for(loaded)
        version = pointer.store.find(registry, pointer.model_name, evidence)
        holder = pointer.holder(registry)
        if version is None or holder != version:
            raise PromotionRefused(_not_promoted(pointer, evidence, version, holder))
        check_baseline(registry, evidence)  # before the canary, not only when it concludes
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


def stable_model(release: GatedRelease, *, timeout: float) -> tuple[Path, str] | None:
    """The model serving today and how it was found (`stable_source`), or None on a first deploy:
    nothing to compare with. Never the candidate itself."""
    from mlops_gate.fsutil import sha256_file
    from mlops_gate.loaders.locate import is_registry_uri
    from mlops_gate.registry.from_policy import local_model_file, settings_for
    from mlops_gate.registry.mlflow_client import open_registry

    loaded = release.loaded
    source = stable_source(release)
    if source is None:
        return None
    if is_registry_uri(source):
        with open_registry(settings_for(loaded, timeout)) as registry:
            path = local_model_file(registry, loaded, source)
    else:
        path = loaded.resolve(source)
        if not path.is_file():
            raise InputError(f"{path}: stable model not found (deploy.canary.stable / baseline)")
    if sha256_file(path) == release.evidence.model_sha256:
        raise InputError(
            f"{source}: the stable model is the candidate itself (same sha256): nothing to "
            "compare the canary with; point deploy.canary.stable at the model serving today"
        )
    return path, source


def stable_source(release: GatedRelease) -> str | None:
    """`deploy.canary.stable`, else the version holding `deploy.canary.alias`, else the baseline
    the check compared with; None when there is none of them (a first deploy)."""
    loaded, spec = release.loaded, release.canary
    if spec.stable is not None:
        return spec.stable
    if release.serving is not None:
        return f"models:/{release.model_name}/{release.serving}"
    baseline = loaded.policy.baseline
    if baseline is None:
        return None
    return _checked_baseline(release, baseline.path)


def _checked_baseline(release: GatedRelease, path: str) -> str | None:
    """A registry alias as the check saw it: the champion alias may since point at the candidate
    (its own promotion moved it), so the stable is the version the evidence compared with."""
    from mlops_gate.loaders.locate import is_registry_uri
    from mlops_gate.registry.uris import parse_uri

    if not is_registry_uri(path):
        return path
    parsed = parse_uri(path)
    if parsed.kind != "alias":
        return path
    version = release.evidence.baseline_version
    if version is None or version == release.version:
        return None
    return f"models:/{parsed.name}/{version}"


def canary_tags(target: str, status: str, message: str, weights: list[int]) -> dict[str, str]:
    """How a canary ended, as tags on the release's version (`mlops_gate.canary.*`)."""
    return {
        STATUS_TAG: status,
        MESSAGE_TAG: message[:4000],
        "mlops_gate.canary.steps": json.dumps(weights),
        "mlops_gate.canary.target": target,
    }


def conclude(
    release: GatedRelease, tags: dict[str, str], *, move_reason: str | None, timeout: float
) -> Conclusion:
    """After the canary, in one registry session: with `move_reason` (it reached 100%), move
    `deploy.canary.alias` to the release's version (promote's compare-and-set); when that did
    not happen, give the promoted alias back; then record the outcome on the version
    (`mlops_gate.canary.*` tags; `error` when the move was refused)."""
    from mlops_gate.registry.from_policy import pointer_for, settings_for
    from mlops_gate.registry.mlflow_client import open_registry

    promoted = pointer_for(release.loaded)
    with open_registry(settings_for(release.loaded, timeout)) as registry:
        done = Conclusion()
        if move_reason is not None:
            done = _move_serving(registry, release, promoted, move_reason)
        if done.moved is None:
            why = done.refused or tags.get(MESSAGE_TAG, "")
            done = replace(done, given_back=_give_back(registry, release, promoted, why))
        if done.refused is not None:
            tags = {**tags, STATUS_TAG: "error", MESSAGE_TAG: done.refused[:4000]}
        _set_tags(registry, release, promoted, tags)
    return done


def _move_serving(
    registry: Registry, release: GatedRelease, promoted: Pointer, reason: str
) -> Conclusion:
    from mlops_gate.registry.promote import promote_verified

    holder = promoted.holder(registry)
    if holder != release.version:  # rolled back (or moved on) while the canary ran
        return Conclusion(
            refused=f"{release.serving_label} did not move: {release.promoted} moved during the "
            f"canary (held by version {holder or 'none'}, not {release.version})"
        )
    pointer = _serving_pointer(promoted, release.canary)
    try:
        return Conclusion(
            moved=promote_verified(registry, pointer, release.evidence, reason=reason)
        )
    except PromotionRefused as exc:
        return Conclusion(refused=f"{release.serving_label} did not move: {exc}")


def _give_back(
    registry: Registry, release: GatedRelease, promoted: Pointer, why: str
) -> PromotionResult | None:
    """The promoted alias back to the version it held before this release, while the release's
    version still holds it (`registry.rollback.give_back`)."""
    from mlops_gate.registry.rollback import give_back

    reason = f"canary of version {release.version} did not reach 100%: {why}"[:500]
    return give_back(registry, promoted, release.version, reason)


def _set_tags(
    registry: Registry, release: GatedRelease, promoted: Pointer, tags: dict[str, str]
) -> None:
    """The canary's outcome on the version, through its store (a model's or a prompt's)."""
    promoted.store.tag_version(registry, release.model_name, release.version, tags)


def _serving_pointer(promoted: Pointer, spec: CanarySpec) -> Pointer:
    from mlops_gate.registry.pointer import Pointer

    return Pointer(promoted.model_name, spec.alias, store=promoted.store)


def _not_promoted(
    pointer: Pointer, evidence: VerifiedEvidence, version: str | None, holder: str | None
) -> str:
    sha = evidence.model_sha256[:12]
    if version is None:
        where = f"model {sha} is not registered as {pointer.model_name}"
    else:
        where = f"{pointer.label} is held by version {holder or 'none'}, not {version} ({sha})"
    return f"deploy needs a gated promotion first: {where}; run `mlops-gate promote`"
