"""Promote's gate on the evidence file, before the registry is touched (issue #4, item 3).

The evidence must say pass, and every hash in it must match the files as they are now: the policy,
the model about to be registered, and every data file the gates read. Anything else means the
check judged different bytes than the ones that would ship, and the promotion is refused with one
line naming what differs. No MLflow here: this runs (and is unit-tested) without a registry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_gate.errors import InputError
from mlops_gate.evidence import EVIDENCE_SCHEMA
from mlops_gate.fsutil import sha256_bytes, sha256_file
from mlops_gate.registry.errors import PromotionRefused


@dataclass(frozen=True)
class VerifiedEvidence:
    """What promote needs from evidence that passed every check."""

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


def read_evidence(path: Path) -> tuple[dict[str, Any], str]:
    """The evidence document and the sha256 of its bytes; a missing or broken file is exit 2."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"{path}: evidence file not found (run `mlops-gate check` first)"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the evidence file: {exc.strerror}") from None
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


def verify_evidence(evidence_path: Path, policy_path: Path, model_path: Path) -> VerifiedEvidence:
    """Refuse (`PromotionRefused`) unless the evidence passed and matches today's files."""
    document, digest = read_evidence(evidence_path)
    results = document["results"]
    verdict = results.get("verdict")
    if verdict != "pass":
        raise PromotionRefused(
            f"{evidence_path}: evidence verdict is '{verdict}', not 'pass': nothing to promote"
        )
    policy_sha = sha256_file(policy_path)
    if document.get("policy_sha256") != policy_sha:
        raise PromotionRefused(
            f"{policy_path}: policy changed since the check (evidence {evidence_path}); "
            "re-run check"
        )
    model_sha = _check_model(document, evidence_path, model_path)
    _check_other_inputs(document, evidence_path)
    baseline = document.get("baseline") or {}
    return VerifiedEvidence(
        path=evidence_path,
        sha256=digest,
        document=document,
        model_path=model_path,
        model_sha256=model_sha,
        policy_sha256=policy_sha,
        policy_name=str((results.get("policy") or {}).get("name") or ""),
        baseline_uri=baseline.get("uri"),
        baseline_version=None if baseline.get("version") is None else str(baseline["version"]),
        git_commit=document.get("git_commit"),
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


def _check_other_inputs(document: dict[str, Any], evidence_path: Path) -> None:
    """Data, suites and a file baseline must be the bytes the gates read (model and policy done)."""
    for name, entry in sorted(document["inputs"].items()):
        if (
            name in ("model", "policy")
            or not isinstance(entry, dict)
            or entry.get("sha256") is None
        ):
            continue
        path = Path(str(entry.get("path")))
        if not path.is_file():
            raise PromotionRefused(
                f"{path}: {name} is gone since the check (evidence {evidence_path}); re-run check"
            )
        if sha256_file(path) != entry["sha256"]:
            raise PromotionRefused(
                f"{path}: {name} changed since the check (evidence {evidence_path}); re-run check"
            )
