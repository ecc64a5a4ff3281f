"""The evidence file: the results plus the hashes of everything they were computed from.

`promote` and `deploy` recompute these hashes and refuse to ship anything that does not match.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from mlops_gate import __version__
from mlops_gate.fsutil import atomic_write_text, sha256_file_memo
from mlops_gate.report import CheckReport

DEFAULT_PATH = Path(".mlops-gate") / "evidence.json"
EVIDENCE_SCHEMA = 1


def build_evidence(report: CheckReport, inputs: dict[str, Path]) -> dict[str, Any]:
    """`inputs` names every file the gates read (`model`, `baseline`, `data.eval`, ...)."""
    return {
        "evidence_schema": EVIDENCE_SCHEMA,
        "tool_version": __version__,
        "created_at": report.started_at,
        "git_commit": git_commit(),
        "policy_sha256": report.policy_sha256,
        "inputs": {name: _file_entry(path) for name, path in sorted(inputs.items())},
        "baseline": {"uri": report.baseline_uri, "version": report.baseline_version},
        "results": report.to_json(),
    }


def write_evidence(path: Path, evidence: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(evidence, indent=2, allow_nan=False, default=str) + "\n")


def _file_entry(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {"path": str(path), "sha256": None}
    return {"path": str(path), "sha256": sha256_file_memo(path), "bytes": path.stat().st_size}


def git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None
