"""Move the champion to a model that passed, and only then (issue #4, items 2, 3 and 5).

The order is what makes a promotion safe to kill at any point and to re-run:

1. the evidence is verified against today's files (no registry needed to refuse);
2. the holder of the alias is read (the value this promotion expects to replace);
3. the promotion lock is taken (`lock.py`); under it, a move a dead run left `pending` is settled;
4. if this model's version already holds the alias, an earlier run got that far: finish its stage
   and tags and stop ("already promoted");
5. the baseline the evidence compared against must still be the baseline (or have moved only by
   the promotion this same evidence made: deploy moves the serving alias after promote moved the
   champion the check compared with), and the alias must still hold what step 2 read: otherwise
   "baseline moved; re-run check";
6. the version is found by its content hash or registered, its tags written before any alias
   points at it (in the pointer's store: a registered model, or a prompt; `store.py`);
7. the alias is re-read right before the move, the move is written `pending` in the history, the
   alias is set, read back and verified, then the stage follows and the move is marked `done`.

Killed before 7: the alias is unchanged (a registered version, fully tagged, may exist; the re-run
reuses it). Killed inside 7: the alias either moved or did not, and the next run settles the pending
move accordingly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from mlops_gate.loaders.locate import is_registry_uri
from mlops_gate.registry.errors import BaselineMoved
from mlops_gate.registry.history import (
    Move,
    last_move,
    new_move,
    read_moves,
    settle_pending,
    write_move,
)
from mlops_gate.registry.lock import acquire
from mlops_gate.registry.pointer import Pointer
from mlops_gate.registry.uris import alias_version, parse_uri

if TYPE_CHECKING:
    from mlops_gate.evidence import VerifiedEvidence
    from mlops_gate.registry.mlflow_client import Registry
    from mlops_gate.registry.signature import ModelExample

StepHook = Callable[[str], None]
STEPS = ("locking", "locked", "registered", "aliased")


@dataclass(frozen=True)
class PromotionResult:
    """What a promotion or rollback did, for the one-line summary."""

    action: str
    label: str
    version: str
    """The holder now; empty when the role was taken away (a failed first canary's give-back)."""
    previous: str | None
    registry: str
    evidence_sha256: str | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        before = (
            f" (was {self.previous})" if self.previous and self.previous != self.version else ""
        )
        now = f"version {self.version}" if self.version else "no version"
        return f"{self.action}: {self.label} -> {now}{before} in {self.registry}"


def promote_verified(
    registry: Registry,
    pointer: Pointer,
    evidence: VerifiedEvidence,
    *,
    reason: str | None = None,
    after_step: StepHook | None = None,
    example: ModelExample | None = None,
) -> PromotionResult:
    """Steps 2-7 above, for evidence that `mlops_gate.evidence.verify_evidence` accepted;
    a version registered now carries the signature and input example of `example`."""
    hook = after_step or (lambda step: None)
    pointer.store.ensure(registry, pointer.model_name)
    expected = pointer.holder(registry)
    hook("locking")
    lock = acquire(registry, pointer, f"promote {evidence.model_sha256[:12]}")
    try:
        hook("locked")
        result = _under_lock(registry, pointer, evidence, expected, reason, hook, example)
    except BaseException:
        lock.release()
        raise
    note = lock.release()
    return result if note is None else replace(result, notes=[*result.notes, note])


def _under_lock(
    registry: Registry,
    pointer: Pointer,
    evidence: VerifiedEvidence,
    expected: str | None,
    reason: str | None,
    hook: StepHook,
    example: ModelExample | None = None,
) -> PromotionResult:
    holder = pointer.holder(registry)
    moves = settle_pending(registry, pointer, read_moves(registry, pointer), holder)
    done = _already_holds(registry, pointer, evidence, holder)
    if done is not None:
        return done
    check_baseline(registry, evidence)
    if holder != expected:
        raise BaselineMoved(
            f"baseline moved; re-run check ({pointer.label} went from version "
            f"{expected or 'none'} to {holder or 'none'} while this promotion waited)"
        )
    version, _created = pointer.store.register(registry, pointer.model_name, evidence, example)
    hook("registered")
    _reread(registry, pointer, holder)
    why = reason or f"check passed ({evidence.gate_count} gates, policy {evidence.policy_name})"
    move = new_move(
        moves,
        "promote",
        holder,
        version,
        why,
        evidence_sha256=evidence.sha256,
        model_sha256=evidence.model_sha256,
        git_sha=evidence.git_commit,
    )
    _record_and_move(registry, pointer, move, hook)
    return PromotionResult(
        "promoted", pointer.label, version, holder, registry.display, evidence.sha256
    )


def _already_holds(
    registry: Registry, pointer: Pointer, evidence: VerifiedEvidence, holder: str | None
) -> PromotionResult | None:
    """An earlier run moved the alias to these bytes: finish its tags and stage, nothing else."""
    if holder is None:
        return None
    version = pointer.store.find(registry, pointer.model_name, evidence)
    if version != holder:
        return None
    pointer.store.register(registry, pointer.model_name, evidence)
    pointer.complete(registry, holder)
    return PromotionResult(
        "already promoted", pointer.label, holder, holder, registry.display, evidence.sha256
    )


def check_baseline(registry: Registry, evidence: VerifiedEvidence) -> None:
    """The alias the check compared against must still point at the version it compared against."""
    uri = evidence.baseline_uri
    if not uri or not is_registry_uri(uri):
        return  # a file baseline is covered by the evidence's hashes; no baseline, nothing to move
    parsed = parse_uri(uri)
    if parsed.kind != "alias":
        return  # a fixed version or run cannot move
    assert parsed.name is not None
    assert parsed.alias is not None
    now = alias_version(registry, parsed.name, parsed.alias)
    if now == evidence.baseline_version:
        return
    if _moved_by_this_promotion(registry, Pointer(parsed.name, parsed.alias), evidence, now):
        return
    raise BaselineMoved(
        f"baseline moved; re-run check ({uri} was version "
        f"{evidence.baseline_version or 'unset'} at check time, is {now or 'unset'} now)"
    )


def _moved_by_this_promotion(
    registry: Registry, baseline: Pointer, evidence: VerifiedEvidence, now: str | None
) -> bool:
    """Whether the one move of the baseline alias since the check is the promotion this very
    evidence vouches for (issue 14, item 1): with `baseline: models:/NAME@champion` and
    `promote.alias: champion`, promote moves the alias the check compared with, and the deploy
    that follows must not take its own promotion for someone else's. Anything else (another
    evidence's promotion, a rollback, a move outside mlops-gate, which the history does not
    show) is a move by a third party."""
    last = last_move(read_moves(registry, baseline))
    return (
        now is not None
        and last is not None
        and last.action == "promote"
        and last.to_version == now
        and last.from_version == evidence.baseline_version
        and last.evidence_sha256 == evidence.sha256
    )


def _reread(registry: Registry, pointer: Pointer, holder: str | None) -> None:
    """The compare of compare-and-set: nobody moved the alias while this promotion registered."""
    now = pointer.holder(registry)
    if now != holder:
        raise BaselineMoved(
            f"baseline moved; re-run check ({pointer.label} changed from version "
            f"{holder or 'none'} to {now or 'none'} during this promotion)"
        )


def _record_and_move(registry: Registry, pointer: Pointer, move: Move, hook: StepHook) -> None:
    """History `pending` → move and read back → history `done` (see history.py for why)."""
    assert move.to_version is not None  # a promotion always names the version it moves to
    write_move(registry, pointer, move)
    pointer.move(registry, move.to_version)
    hook("aliased")
    write_move(registry, pointer, replace(move, state="done"))
