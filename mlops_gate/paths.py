"""Where mlops-gate keeps its state in the working directory (`.mlops-gate/`), defined once.

Everything under it is written by the tool and, being in the work tree, can be changed by a pull
request: nothing read back from here is believed without verification (docs/security.md).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

STATE_DIR = Path(".mlops-gate")
EVIDENCE = STATE_DIR / "evidence.json"
"""The evidence file `check` writes and `promote`, `deploy` and `build` (the image) read."""
GATE_CACHE = STATE_DIR / "cache" / "gates"
RECORDED_RUNS = STATE_DIR / "cache" / "runs"
REGISTRY_CACHE = STATE_DIR / "cache" / "registry"
LLM_CACHE = STATE_DIR / "cache" / "llm"
"""Answers of LLM calls by content hash (sealed: trust.py), so a re-run costs nothing."""
LLM_OUTPUTS = STATE_DIR / "llm"
"""The outputs a check generated from an endpoint, one JSONL file per policy and role."""
LOGS = STATE_DIR / "logs"
HYPOTHESIS = STATE_DIR / "hypothesis"

GITIGNORE = STATE_DIR / ".gitignore"
GITIGNORE_TEXT = "# Written by mlops-gate: its cache, evidence and logs stay out of git.\n*\n"
"""`*` ignores the folder's whole content, this file included, as `.pytest_cache` and
`.ruff_cache` do, so `git add -A` never commits the cache or the evidence (issue 17, item 3)."""


def ignore_state_dir(state_dir: Path = STATE_DIR) -> bool:
    """Write `state_dir/.gitignore` (`*`) when the folder exists and has none; True if written.

    Atomic and never over a user's own file: the text goes to a private temporary file that is
    then hard-linked to the name, which fails if anything (a file, a symlink) is already there.
    A folder that is a symlink is left alone (the work tree belongs to the pull request).
    """
    try:
        if not stat.S_ISDIR(os.lstat(state_dir).st_mode):
            return False
    except OSError:  # not there yet: nothing used it
        return False
    target = state_dir / GITIGNORE.name
    if os.path.lexists(target):
        return False
    fd, tmp = tempfile.mkstemp(prefix=".gitignore.", suffix=".tmp", dir=state_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(GITIGNORE_TEXT)
        os.chmod(tmp, 0o644)
        os.link(tmp, target)
    except FileExistsError:  # another process, or the user, was first
        return False
    finally:
        os.unlink(tmp)
    return True
