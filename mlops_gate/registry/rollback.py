"""`promote --rollback`: the champion goes back to the version it replaced (issue #4, item 4).

Under the promotion lock, like every move. The version restored is the `from` of the promotion that
gave the current holder the role (see `history.rollback_source`); the rollback itself is recorded,
pending then done, like a promotion. Rolling back needs no evidence: the restored version passed its
own gate when it was promoted (its tags say which evidence), and a rollback is the emergency path.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from mlops_gate.registry.errors import PromotionRefused, RegistryMissing
from mlops_gate.registry.history import (
    new_move,
    read_moves,
    rollback_source,
    settle_pending,
    write_move,
)
from mlops_gate.registry.lock import acquire
from mlops_gate.registry.promote import PromotionResult

if TYPE_CHECKING:
    from mlops_gate.registry.mlflow_client import Registry
    from mlops_gate.registry.pointer import Pointer


def rollback_pointer(
    registry: Registry, pointer: Pointer, reason: str | None = None
) -> PromotionResult:
    """Restore the previous holder of `pointer`; refuse when none is recorded."""
    lock = acquire(registry, pointer, "rollback")
    try:
        result = _under_lock(registry, pointer, reason)
    except BaseException:
        lock.release()
        raise
    note = lock.release()
    return result if note is None else replace(result, notes=[*result.notes, note])


def _under_lock(registry: Registry, pointer: Pointer, reason: str | None) -> PromotionResult:
    holder = pointer.holder(registry)
    moves = settle_pending(registry, pointer, read_moves(registry, pointer), holder)
    if holder is None:
        raise PromotionRefused(f"{pointer.label}: no version holds it; nothing to roll back")
    source = rollback_source(moves, holder)
    if source is None or source.from_version is None:
        raise PromotionRefused(
            f"{pointer.label}: no earlier holder recorded before version {holder} "
            "(see `mlops-gate history`)"
        )
    target = source.from_version
    tags = _version_tags(registry, pointer, target)
    move = new_move(
        moves,
        "rollback",
        holder,
        target,
        reason or f"rollback of version {holder}",
        evidence_sha256=tags.get("mlops_gate.evidence_sha256"),
        model_sha256=tags.get("mlops_gate.model_sha256"),
        git_sha=tags.get("mlops_gate.git_sha"),
    )
    write_move(registry, pointer, move)
    pointer.move(registry, target)
    write_move(registry, pointer, replace(move, state="done"))
    return PromotionResult(
        "rolled back", pointer.label, target, holder, registry.display, move.evidence_sha256
    )


def _version_tags(registry: Registry, pointer: Pointer, version: str) -> dict[str, str]:
    try:
        found = registry.call(
            f"get {pointer.model_name} v{version}",
            registry.client.get_model_version,
            pointer.model_name,
            version,
        )
    except RegistryMissing:
        raise PromotionRefused(
            f"{pointer.label}: version {version} to roll back to no longer exists"
        ) from None
    return dict(found.tags)
