"""One promotion in its own process, for the race test (run as `python -m` this module).

Arguments: POLICY EVIDENCE SYNC_DIR ROLE OTHER_ROLE. Both workers start together (the `go` file);
whichever takes the promotion lock first then waits until the other is about to take it, and a
moment more, so the two really contend for the lock instead of running one after the other.
Prints the summary or the error; exits with the tool's exit code.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from mlops_gate.commands.promote import promote as promote_command
from mlops_gate.errors import MlopsGateError
from mlops_gate.gates.registry import load_policy

WAIT_S = 120.0


def wait_for(path: Path) -> None:
    end = time.monotonic() + WAIT_S
    while not path.exists():
        if time.monotonic() > end:
            raise SystemExit(f"race worker: {path} never appeared")
        time.sleep(0.05)


def main(policy: str, evidence: str, sync_dir: str, role: str, other: str) -> int:
    sync = Path(sync_dir)

    def hook(step: str) -> None:
        (sync / f"{role}.{step}").touch()
        if step == "locked":
            wait_for(sync / f"{other}.locking")
            time.sleep(1.0)  # the other is now inside `acquire`, finding the lock held

    (sync / f"{role}.ready").touch()
    wait_for(sync / "go")
    try:
        result = promote_command(
            load_policy(Path(policy)), Path(evidence), timeout=120, after_step=hook
        )
    except MlopsGateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    print(result.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
