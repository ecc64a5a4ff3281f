"""The running canary's state file and its control requests, shared between processes.

`mlops-gate deploy --status/--abort/--promote-now` runs in another process than the canary, so the
canary writes `<state_dir>/canary.json` atomically on every tick (readers never see half a file),
and reads `<state_dir>/canary.control.json` for a request. A request carries an id; the canary
echoes it in the state file's `control` once it acted, which is how `request_control` knows that
its request was obeyed rather than merely written.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any, Literal

from mlops_gate.deploy.local.errors import DeployError
from mlops_gate.fsutil import atomic_write_text

STATE_FILE = "canary.json"
CONTROL_FILE = "canary.control.json"
Action = Literal["abort", "promote-now"]
ACTIONS: tuple[Action, ...] = ("abort", "promote-now")
RUNNING = "running"


def state_path(state_dir: Path) -> Path:
    return state_dir / STATE_FILE


def write_state(state_dir: Path, state: dict[str, Any]) -> None:
    atomic_write_text(state_path(state_dir), json.dumps(state, indent=2, allow_nan=False) + "\n")


def read_status(state_dir: Path) -> dict[str, Any]:
    """The last state the canary wrote, plus `alive`: whether its process still runs.

    A `running` state whose process is gone (killed, machine rebooted) is reported with
    `alive: false`, so the caller can say the canary died instead of showing it as running.
    """
    path = state_path(state_dir)
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeployError(f"{path}: no local canary state (none was started here)") from None
    except (OSError, ValueError) as exc:
        raise DeployError(f"{path}: unreadable canary state ({exc})") from None
    state["alive"] = _alive(state.get("pid"))
    return state


def record_conclusion(state_dir: Path, status: str, lines: list[str]) -> None:
    """After the canary: what the registry made of its ending (the serving alias moved, or not
    and why, the promoted alias given back), so that `deploy --status` says what `history`
    shows; `status` replaces the canary's own when the registry refused to conclude it."""
    path = state_path(state_dir)
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # nothing was started (or it is unreadable): nothing to reconcile
    state["status"] = status
    state["conclusion"] = lines
    state["message"] = "; ".join([str(state.get("message") or ""), *lines]).lstrip("; ")
    write_state(state_dir, state)


def is_running(state: dict[str, Any]) -> bool:
    return state.get("status") == RUNNING and bool(state.get("alive"))


def claim(state_dir: Path) -> None:
    """Refuse a second canary on the same state dir while the first one still runs."""
    try:
        state = read_status(state_dir)
    except DeployError:
        state = {}
    if is_running(state):
        raise DeployError(
            f"{state_path(state_dir)}: a local canary is already running (pid {state['pid']}); "
            "abort it first with `mlops-gate deploy --abort`"
        )
    (state_dir / CONTROL_FILE).unlink(missing_ok=True)  # a request left for a dead canary


def request_control(state_dir: Path, action: str, *, timeout: float = 10.0) -> dict[str, Any]:
    """Ask the running canary to `abort` or `promote-now`; return its state once it obeyed."""
    if action not in ACTIONS:
        raise DeployError(f"unknown canary action {action!r} (expected: {', '.join(ACTIONS)})")
    state = read_status(state_dir)
    if not is_running(state):
        why = "its process is gone" if state.get("status") == RUNNING else state.get("status")
        raise DeployError(f"{state_path(state_dir)}: no running canary to {action} ({why})")
    request_id = uuid.uuid4().hex
    payload = {"action": action, "id": request_id, "requested_at": time.time()}
    atomic_write_text(state_dir / CONTROL_FILE, json.dumps(payload) + "\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.1)
        state = read_status(state_dir)
        if (state.get("control") or {}).get("id") == request_id:
            return state
        if not state["alive"]:
            break
    raise DeployError(
        f"{state_path(state_dir)}: the canary (pid {state.get('pid')}) did not acknowledge "
        f"{action} within {timeout:g} s"
    )


def take_control(state_dir: Path) -> dict[str, Any] | None:
    """The pending request, removed so that it is acted on once; None when there is none."""
    path = state_dir / CONTROL_FILE
    try:
        request: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        request = {"action": None}  # a torn or foreign file: drop it rather than loop on it
    path.unlink(missing_ok=True)
    return request if request.get("action") in ACTIONS else None


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process holds the pid: not ours, but alive
        return True
    return True
