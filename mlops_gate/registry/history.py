"""Every move of the champion, recorded on the registered model itself (issue #4, item 4).

One tag per move, `mlops_gate.history.<alias.NAME|stage.NAME>.<seq>`, holding a JSON object: who,
when, why, from which version to which, and the evidence sha256. One tag per move (not one growing
JSON list) keeps every write small and independent. The tags live on the registered model, or on
the prompt for a prompt's alias (the pointer's store, `store.py`). Moves are appended only while holding the
promotion lock (`lock.py`), so sequence numbers do not collide.

A move is written `pending` before the alias moves and marked `done` after it is read back. A run
that dies in between leaves a `pending` move; the next promotion or rollback settles it: `done` if
the alias did move to it, `aborted` if not. So the history never claims a move that did not
happen, and a move that happened is never missing from it.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mlops_gate.registry.mlflow_client import Registry
    from mlops_gate.registry.pointer import Pointer

PREFIX = "mlops_gate.history."
Action = Literal["promote", "rollback"]
State = Literal["pending", "done", "aborted"]


@dataclass(frozen=True)
class Move:
    seq: int
    action: Action
    from_version: str | None
    to_version: str | None
    """`None`: the role was taken away (a failed first canary gives its promotion back)."""
    state: State
    at: str
    by: str
    why: str
    evidence_sha256: str | None = None
    model_sha256: str | None = None
    git_sha: str | None = None
    ci_run: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Move | None:
        """A move from its tag; a tag that is not one of ours is ignored, not trusted."""
        try:
            data: Any = json.loads(text)
            return cls(**data) if isinstance(data, dict) else None
        except (json.JSONDecodeError, TypeError):
            return None

    def line(self) -> str:
        """One line for `mlops-gate history`."""
        state = "" if self.state == "done" else f" [{self.state}]"
        evidence = f" evidence {self.evidence_sha256[:12]}" if self.evidence_sha256 else ""
        return (
            f"#{self.seq} {self.at} {self.action} {self.from_version or '-'} -> "
            f"{self.to_version or '-'}{state} by {self.by}{evidence}: {self.why}"
        )


def tag_key(pointer: Pointer, seq: int) -> str:
    return f"{PREFIX}{pointer.key}.{seq:06d}"


def read_moves(registry: Registry, pointer: Pointer) -> list[Move]:
    """The recorded moves of `pointer`, oldest first (none when the model is not registered)."""
    tags = pointer.store.tags(registry, pointer.model_name, f"read history of {pointer.label}")
    prefix = f"{PREFIX}{pointer.key}."
    moves = [Move.from_json(value) for key, value in tags.items() if key.startswith(prefix)]
    return sorted((m for m in moves if m is not None), key=lambda m: m.seq)


def write_move(registry: Registry, pointer: Pointer, move: Move) -> None:
    pointer.store.set_tag(
        registry,
        pointer.model_name,
        tag_key(pointer, move.seq),
        move.to_json(),
        f"record move #{move.seq} of {pointer.label}",
    )


def new_move(
    moves: list[Move],
    action: Action,
    from_version: str | None,
    to_version: str | None,
    why: str,
    **evidence: str | None,
) -> Move:
    """The next move (state `pending`), stamped with who and when."""
    seq = (moves[-1].seq if moves else 0) + 1
    at = datetime.now(UTC).isoformat(timespec="seconds")
    return Move(
        seq,
        action,
        from_version,
        to_version,
        "pending",
        at,
        actor(),
        why,
        ci_run=ci_run_url(),
        **evidence,
    )


def settle_pending(
    registry: Registry, pointer: Pointer, moves: list[Move], holder: str | None
) -> list[Move]:
    """Mark a move left `pending` by a dead run `done` or `aborted`, from where the alias is now."""
    if not moves or moves[-1].state != "pending":
        return moves
    last = moves[-1]
    settled = replace(last, state="done" if holder == last.to_version else "aborted")
    write_move(registry, pointer, settled)
    return [*moves[:-1], settled]


def last_move(moves: list[Move]) -> Move | None:
    """The newest move that happened (or may have: `pending`); aborted ones never moved anything."""
    happened = [move for move in moves if move.state != "aborted"]
    return happened[-1] if happened else None


def rollback_source(moves: list[Move], holder: str) -> Move | None:
    """The promotion that gave `holder` the role: rolling back restores its `from_version`.

    Only promotions count, so repeated rollbacks walk further back (v3 → v2 → v1) instead of
    flipping between the last two versions.
    """
    for move in reversed(moves):
        if move.action == "promote" and move.state == "done" and move.to_version == holder:
            return move
    return None


def actor() -> str:
    """Who moved it: the CI actor when there is one, else the local user, and the host."""
    user = os.environ.get("GITHUB_ACTOR") or os.environ.get("GITLAB_USER_LOGIN")
    if not user:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "unknown"
    return f"{user}@{socket.gethostname()}"


def ci_run_url() -> str | None:
    env = os.environ
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return env.get("CI_JOB_URL")
