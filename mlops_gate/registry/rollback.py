"""`promote --rollback`: the role goes back to the version it replaced (issue #4, item 4).

Under the promotion lock, like every move. The version restored is the `from` of the promotion that
gave the current holder the role (see `history.rollback_source`); the rollback itself is recorded,
pending then done, like a promotion. Rolling back needs no evidence: the restored version passed its
own gate when it was promoted (its tags say which evidence), and a rollback is the emergency path.

`give_back` is the same move for a canary that did not reach 100% (issue 14, item 3): the
promotion that let the rejected version in is undone, but only while that version still holds the
role (a move made since by someone else is theirs to keep), and a first promotion is undone by
taking the role away (there was no earlier holder).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from mlops_gate.registry.errors import PromotionRefused, RegistryMissing
from mlops_gate.registry.history import (
    Move,
    new_move,
    read_moves,
    rollback_source,
    settle_pending,
    write_move,
)
from mlops_gate.registry.lock import acquire
from mlops_gate.registry.promote import PromotionResult

if TYPE_CHECKING:
    from collections.abc import Callable

    from mlops_gate.registry.mlflow_client import Registry
    from mlops_gate.registry.pointer import Pointer

    Step = Callable[[Registry, Pointer, str | None, list[Move]], PromotionResult | None]


def rollback_pointer(
    registry: Registry, pointer: Pointer, reason: str | None = None
) -> PromotionResult:
    """Restore the previous holder of `pointer`; refuse when none is recorded."""

    def step(
        registry: Registry, pointer: Pointer, holder: str | None, moves: list[Move]
    ) -> PromotionResult:
        return _rollback(registry, pointer, holder, moves, reason)

    result = _locked(registry, pointer, "rollback", step)
    assert result is not None  # _rollback refuses rather than returning None
    return result


def give_back(
    registry: Registry, pointer: Pointer, version: str, reason: str
) -> PromotionResult | None:
    """Undo the promotion that gave `version` the role, if it still holds it (else `None`): the
    role goes back to the version that held it before, or to nobody after a first promotion."""

    def step(
        registry: Registry, pointer: Pointer, holder: str | None, moves: list[Move]
    ) -> PromotionResult | None:
        source = rollback_source(moves, holder) if holder == version else None
        if source is None:
            return None
        return _restore(registry, pointer, holder, source.from_version, moves, reason)

    return _locked(registry, pointer, f"give back {version}", step)


def _locked(registry: Registry, pointer: Pointer, why: str, step: Step) -> PromotionResult | None:
    """`step(registry, pointer, holder, moves)` under the lock, a dead run's pending move settled."""
    lock = acquire(registry, pointer, why)
    try:
        holder = pointer.holder(registry)
        moves = settle_pending(registry, pointer, read_moves(registry, pointer), holder)
        result = step(registry, pointer, holder, moves)
    except BaseException:
        lock.release()
        raise
    note = lock.release()
    return result if note is None or result is None else replace(result, notes=[note])


def _rollback(
    registry: Registry,
    pointer: Pointer,
    holder: str | None,
    moves: list[Move],
    reason: str | None,
) -> PromotionResult:
    if holder is None:
        raise PromotionRefused(f"{pointer.label}: no version holds it; nothing to roll back")
    source = rollback_source(moves, holder)
    if source is None or source.from_version is None:
        raise PromotionRefused(
            f"{pointer.label}: no earlier holder recorded before version {holder} "
            "(see `mlops-gate history`)"
        )
    why = reason or f"rollback of version {holder}"
    return _restore(registry, pointer, holder, source.from_version, moves, why)


def _restore(
    registry: Registry,
    pointer: Pointer,
    holder: str | None,
    target: str | None,
    moves: list[Move],
    why: str,
) -> PromotionResult:
    """Record the rollback `pending`, move (or take the role away), read back, mark it `done`."""
    assert holder is not None
    tags = _version_tags(registry, pointer, target) if target is not None else {}
    move = new_move(
        moves,
        "rollback",
        holder,
        target,
        why,
        evidence_sha256=tags.get("mlops_gate.evidence_sha256"),
        model_sha256=tags.get("mlops_gate.model_sha256"),
        git_sha=tags.get("mlops_gate.git_sha"),
    )
    write_move(registry, pointer, move)
    if target is None:
        pointer.unset(registry, holder)
    else:
        pointer.move(registry, target)
    write_move(registry, pointer, replace(move, state="done"))
    return PromotionResult(
        "rolled back", pointer.label, target or "", holder, registry.display, move.evidence_sha256
    )


def _version_tags(registry: Registry, pointer: Pointer, version: str) -> dict[str, str]:
    try:
        return pointer.store.version_tags(registry, pointer.model_name, version)
    except RegistryMissing:
        raise PromotionRefused(
            f"{pointer.label}: version {version} to roll back to no longer exists"
        ) from None
