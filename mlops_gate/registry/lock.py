"""One promoter at a time per alias: a lock built on the registry's own atomic "create".

MLflow has no compare-and-set for aliases: `set_registered_model_alias` overwrites. Re-reading the
alias right before and right after setting it catches most races but not all: two promoters can
both read the old holder, both set, and each read back its own value before the other's write lands.
So every move of the role happens while holding a lock, and the lock is the one operation MLflow
does atomically for us: creating a registered model whose name already exists fails
(`RESOURCE_ALREADY_EXISTS`, enforced by the backend database's unique key, on a server and in the
embedded sqlite store alike). The lock is a registered model named
`mlops-gate-lock.<model>.<alias.NAME|stage.NAME>`, created with its owner in its tags in the same
request, and deleted when the promotion ends.

Guarantees, among mlops-gate promoters sharing one registry:
- at most one of them moves a given alias/stage at a time; one that waits re-checks the holder once
  it has the lock, so a promotion decided against the old champion is refused ("baseline moved");
- a waiter waits at most its `--timeout`, then refuses (exit 2).

Limits, honestly:
- writers that do not take the lock (the MLflow UI, other scripts) are not excluded: a write of
  theirs between our last re-read and our set is overwritten; one after it fails the read-back;
- a lock left by a crashed promotion is reclaimed at once when its owner ran on this host and its
  process is gone (or is this very process), and otherwise only after its lease ends (the owner's
  timeout + 30 s, by the owner's wall clock: hosts need roughly synchronised clocks);
- reclaiming is read-check-delete, not atomic: two waiters reclaiming the same dead lock at the same
  instant can both succeed. This needs a crashed owner and a lease expiry and two new promoters
  within the same few milliseconds; the read-back after the move still reports a lost race.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_gate.registry.errors import (
    PromotionRefused,
    RegistryConflict,
    RegistryError,
    RegistryMissing,
)
from mlops_gate.registry.history import actor

if TYPE_CHECKING:
    from mlops_gate.registry.mlflow_client import Registry
    from mlops_gate.registry.pointer import Pointer

LOCK_PREFIX = "mlops-gate-lock."
LEASE_MARGIN_S = 30.0
POLL_S = 0.5


@dataclass
class Lock:
    registry: Registry
    name: str
    token: str

    def release(self) -> str | None:
        """Delete the lock if it is still ours; a failure is a note (the lease frees it later)."""
        try:
            _delete_if_token(self.registry, self.name, self.token)
        except RegistryError as exc:
            return f"promotion lock {self.name} not released ({exc}); its lease frees it later"
        return None


def lock_name(pointer: Pointer) -> str:
    return f"{LOCK_PREFIX}{pointer.model_name}.{pointer.key}"


def acquire(registry: Registry, pointer: Pointer, purpose: str) -> Lock:
    """Take the lock for `pointer`, waiting for another holder at most until the deadline."""
    name, token = lock_name(pointer), uuid.uuid4().hex
    tags = {
        "token": token,
        "owner": actor(),
        "host": socket.gethostname(),
        "pid": str(os.getpid()),
        "expires_at": f"{time.time() + registry.settings.timeout_s + LEASE_MARGIN_S:.3f}",
        "purpose": purpose,
    }
    while True:
        try:
            registry.call(
                f"take the lock for {pointer.label}",
                registry.client.create_registered_model,
                name,
                tags,
                "Held by an mlops-gate promotion; deleted when it ends (docs/registry.md).",
            )
            return Lock(registry, name, token)
        except (RegistryConflict, RegistryMissing):
            # RegistryMissing: MLflow re-reads the existing lock after the unique-key clash, and
            # the holder released it in between; either way, look again and retry.
            pass
        held = _held(registry, name)
        if held is None:
            continue
        if _reclaimable(held):
            _delete_if_token(registry, name, held.get("token", ""))
            continue
        if registry.deadline.remaining() < POLL_S:
            raise PromotionRefused(
                f"{pointer.label}: another promotion holds the lock ({held.get('purpose', '?')} "
                f"by {held.get('owner', '?')}, pid {held.get('pid', '?')}); gave up waiting "
                "(--timeout)"
            )
        time.sleep(POLL_S)


def _held(registry: Registry, name: str) -> dict[str, str] | None:
    try:
        model = registry.call("read the promotion lock", registry.client.get_registered_model, name)
    except RegistryMissing:
        return None
    return dict(model.tags)


def _reclaimable(tags: dict[str, str]) -> bool:
    """Left by a process that is gone (on this host), by this process, or past its lease."""
    try:
        expired = time.time() > float(tags.get("expires_at", "0"))
        pid = int(tags.get("pid", "-1"))
    except ValueError:
        return True  # not a lock we wrote: tags unreadable
    if expired:
        return True
    if tags.get("host") != socket.gethostname():
        return False
    return pid == os.getpid() or not _alive(pid)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _delete_if_token(registry: Registry, name: str, token: str) -> None:
    held = _held(registry, name)
    if held is None or held.get("token") != token:
        return
    with contextlib.suppress(RegistryMissing):
        registry.call("release the promotion lock", registry.client.delete_registered_model, name)
