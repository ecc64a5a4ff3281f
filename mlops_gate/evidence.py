"""The evidence file: the results plus the hashes of everything they were computed from.

This module is its only writer, reader and verifier. `check` writes it (atomically); `promote`,
`deploy` and the image build read it back, and believe nothing in it they can recompute: the
caller passes today's policy and today's list of input files (`engine/inputs.py`), and every
one of them must hash to what the evidence recorded. The evidence names its policy, so evidence
of another policy is refused by name. No MLflow here: this runs (and is tested) without one.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate import __version__, paths
from mlops_gate.errors import InputError, PromotionRefused
from mlops_gate.fsutil import (
    atomic_write_text,
    read_regular,
    sha256_bytes,
    sha256_file,
    sha256_file_memo,
)
from mlops_gate.report import CheckReport

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy

DEFAULT_PATH = paths.EVIDENCE
EVIDENCE_SCHEMA = 1


# -- writing --------------------------------------------------------------------------------------
def build_evidence(report: CheckReport, inputs: Mapping[str, Path]) -> dict[str, Any]:
    """`inputs` names every file the gates read (`model`, `baseline`, `data.eval`, ...); the
    policy's entry is the report's (the bytes the loader read and hashed, not a second read)."""
    entries = {name: _file_entry(path) for name, path in sorted(inputs.items()) if name != "policy"}
    entries["policy"] = {"path": report.policy_path, "sha256": report.policy_sha256}
    return {
        "evidence_schema": EVIDENCE_SCHEMA,
        "tool_version": __version__,
        "created_at": report.started_at,
        "git_commit": git_commit(),
        "policy": {
            "name": report.policy_name,
            "path": report.policy_path,
            "sha256": report.policy_sha256,
        },
        "policy_sha256": report.policy_sha256,
        "inputs": dict(sorted(entries.items())),
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


# -- reading --------------------------------------------------------------------------------------
def read_evidence(path: Path) -> tuple[dict[str, Any], str]:
    """The evidence document and the sha256 of its bytes; a missing or broken file is exit 2."""
    if not os.path.lexists(path):
        raise InputError(f"{path}: evidence file not found (run `mlops-gate check` first)")
    raw = read_regular(path, "evidence file")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not an evidence file ({exc})") from None
    if not isinstance(document, dict) or document.get("evidence_schema") != EVIDENCE_SCHEMA:
        raise InputError(f"{path}: not an evidence file of schema {EVIDENCE_SCHEMA} (re-run check)")
    if not isinstance(document.get("results"), dict) or not isinstance(
        document.get("inputs"), dict
    ):
        raise InputError(f"{path}: evidence file lacks `results` or `inputs` (re-run check)")
    return document, sha256_bytes(raw)


def passing_evidence_sha(path: Path | None, model_shas: set[str]) -> str | None:
    """The evidence file's sha256 when it says pass for a model among `model_shas`, else None
    (the image build labels an image only with evidence that vouches for what it serves)."""
    if path is None or not path.is_file():
        return None
    try:
        document, digest = read_evidence(path)
    except InputError:
        return None
    model = _recorded_sha(document, "model")
    passed = document["results"].get("verdict") == "pass"
    return digest if passed and model in model_shas else None


# -- verifying ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VerifiedEvidence:
    """What promote and deploy need from evidence that passed every check."""

    path: Path
    sha256: str
    document: dict[str, Any]
    model_path: Path
    model_sha256: str
    policy_sha256: str
    policy_name: str
    baseline_uri: str | None
    baseline_version: str | None
    git_commit: str | None

    @property
    def gate_count(self) -> int:
        return len(self.document["results"].get("gates", []))


def verify_evidence(
    evidence_path: Path, loaded: LoadedPolicy, files: Mapping[str, Path]
) -> VerifiedEvidence:
    """Refuse (`PromotionRefused`) unless the evidence is this policy's, passed, and matches
    today's files. `files` are today's inputs by evidence name (`engine.inputs.policy_inputs`):
    `model` (the local file about to ship) is required; each must hash to the recorded sha256."""
    document, digest = read_evidence(evidence_path)
    _check_policy(document, evidence_path, loaded)
    results = document["results"]
    verdict = results.get("verdict")
    if verdict != "pass":
        raise PromotionRefused(
            f"{evidence_path}: evidence verdict is '{verdict}', not 'pass': nothing to promote"
        )
    model_path = files["model"]
    model_sha = _check_model(document, evidence_path, model_path)
    _check_inputs(document, evidence_path, {k: v for k, v in files.items() if k != "model"})
    baseline = document.get("baseline") or {}
    return VerifiedEvidence(
        path=evidence_path,
        sha256=digest,
        document=document,
        model_path=model_path,
        model_sha256=model_sha,
        policy_sha256=loaded.sha256,
        policy_name=loaded.policy.name,
        baseline_uri=baseline.get("uri"),
        baseline_version=None if baseline.get("version") is None else str(baseline["version"]),
        git_commit=document.get("git_commit"),
    )


def _check_policy(document: dict[str, Any], evidence_path: Path, loaded: LoadedPolicy) -> None:
    """The evidence must be this policy's (by name), and of today's bytes of it."""
    recorded = document.get("policy")
    if not isinstance(recorded, dict):  # written before evidence named its policy
        recorded = document["results"].get("policy") or {}
    name, path = recorded.get("name"), recorded.get("path")
    if name != loaded.policy.name:
        raise PromotionRefused(
            f"{evidence_path}: this evidence is for policy '{name}' ({path}), not for "
            f"'{loaded.policy.name}' ({loaded.path}): run `mlops-gate check {loaded.path}`"
        )
    if document.get("policy_sha256") != loaded.sha256:
        raise PromotionRefused(
            f"{loaded.path}: policy changed since the check (evidence {evidence_path}); "
            "re-run check"
        )


def _check_model(document: dict[str, Any], evidence_path: Path, model_path: Path) -> str:
    """The sha256 of `model_path`, which must be the one the evidence recorded."""
    recorded = _recorded_sha(document, "model") or (document["results"].get("model") or {}).get(
        "sha256"
    )
    if recorded is None:
        raise PromotionRefused(f"{evidence_path}: evidence records no model sha256; re-run check")
    actual = sha256_file(model_path)
    if actual != recorded:
        raise PromotionRefused(
            f"{model_path}: model differs from the one checked (sha256 {actual[:12]}, evidence "
            f"{recorded[:12]}); re-run check"
        )
    return actual


def _recorded_sha(document: dict[str, Any], name: str) -> str | None:
    entry = document["inputs"].get(name)
    sha = entry.get("sha256") if isinstance(entry, dict) else None
    return sha if isinstance(sha, str) else None


def _check_inputs(document: dict[str, Any], evidence_path: Path, files: Mapping[str, Path]) -> None:
    """Today's inputs (by the policy, not by the evidence's word) must be the bytes checked;
    what the evidence adds (the artifacts of `check --artifacts`) is re-hashed too."""
    recorded_paths = {
        name: Path(str(entry.get("path")))
        for name, entry in document["inputs"].items()
        if isinstance(entry, dict) and entry.get("sha256") is not None
    }
    wanted = {**{k: v for k, v in recorded_paths.items() if k not in ("model", "policy")}, **files}
    for name, path in sorted(wanted.items()):
        recorded = _recorded_sha(document, name)
        if recorded is None:
            raise PromotionRefused(
                f"{path}: {name} was not part of the check (evidence {evidence_path}); re-run check"
            )
        if not path.is_file():
            raise PromotionRefused(
                f"{path}: {name} is gone since the check (evidence {evidence_path}); re-run check"
            )
        if sha256_file(path) != recorded:
            raise PromotionRefused(
                f"{path}: {name} changed since the check (evidence {evidence_path}); re-run check"
            )
