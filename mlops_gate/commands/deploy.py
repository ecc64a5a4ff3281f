"""What `mlops-gate deploy` does, whatever the target (docs/deploy.md).

Every target starts the same way (`gated.require_promotion`): passing evidence that matches today's
files, and a version that a gated `promote` registered and aliased. Then the target (`--target`,
else `deploy.canary.target`), looked up in `deploy.targets.DEPLOY_TARGETS`, starts the canary:
real servers and a router on loopback (`local`), Argo Rollouts or Istio (`kubernetes`), a GitHub
Deployment (`github`). `--dry-run` is for targets that render something instead
(`DeployTarget.dry_run_renders`). The outcome is written to `deploy.json` beside the evidence (the
evidence file itself stays as check wrote it: its sha256 is what promote recorded and the image is
labelled with); the local target also tags it on the registry version (`mlops_gate.canary.*`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.deploy.outcome import DeployOutcome, EventHook
from mlops_gate.deploy.targets import (
    CanaryRef,
    DeployRequest,
    DeployTarget,
    deploy_target,
    target_names,
)
from mlops_gate.errors import InputError
from mlops_gate.fsutil import atomic_write_text

if TYPE_CHECKING:
    from mlops_gate.deploy.gated import GatedRelease
    from mlops_gate.policy.loader import LoadedPolicy

RECORD = "deploy.json"
ACTIONS = ("abort", "promote-now")


def deploy(
    loaded: LoadedPolicy,
    evidence_path: Path,
    *,
    target: str | None = None,
    dry_run: bool = False,
    out: Path | None = None,
    timeout: float,
    on_event: EventHook | None = None,
) -> DeployOutcome:
    """Start the canary of the promoted model on `target` (default: the policy's)."""
    from mlops_gate.deploy.gated import canary_spec, require_promotion

    chosen = deploy_target(target or canary_spec(loaded).target)
    _check_dry_run(chosen, dry_run=dry_run, out=out)
    if dry_run:  # a render needs no promotion: it is reviewed in the PR that adds it (issue 14)
        from mlops_gate.deploy.targets.kubernetes import preview_release as gate
    else:
        gate = require_promotion
    release, model_file = gate(loaded, evidence_path, timeout=timeout)
    request = DeployRequest(
        release=release,
        model_file=model_file,
        state_dir=_state_dir(evidence_path),
        timeout=timeout,
        say=on_event or (lambda line: None),
        dry_run=dry_run,
        out=out,
    )
    outcome = chosen.deploy(request)
    _say_first_deploy(request, outcome)
    _write_record(evidence_path, release, outcome)
    return outcome


def status(
    loaded: LoadedPolicy, evidence_path: Path, *, target: str | None, timeout: float
) -> list[str]:
    """The running (or last) canary on `target`, one line per fact."""
    chosen, canary = _canary(loaded, evidence_path, target, timeout)
    return chosen.status(canary)


def control(
    loaded: LoadedPolicy, action: str, evidence_path: Path, *, target: str | None, timeout: float
) -> str:
    """`abort` or `promote-now` the canary that is running on `target`."""
    if action not in ACTIONS:
        raise InputError(f"unknown canary action '{action}': must be one of {', '.join(ACTIONS)}")
    chosen, canary = _canary(loaded, evidence_path, target, timeout)
    act = chosen.abort if action == "abort" else chosen.promote_now
    return act(canary)


def _say_first_deploy(request: DeployRequest, outcome: DeployOutcome) -> None:
    """Nothing serves yet: a target that did not say what it did about it (one that judges no
    canary itself: the object it created decides) gets the line, and deploy.json the flag."""
    release = request.release
    if "first_deploy" in outcome.record or release.serving is not None or outcome.up_to_date:
        return
    line = (
        f"first deploy? no version holds {release.serving_label} in the registry: with nothing "
        "to compare with, a new Argo Rollout or Flagger Canary goes straight to 100% and a GitHub "
        "Deployment leaves it to your CD (docs/deploy.md, First deploy)"
    )
    request.say(line)
    outcome.lines.insert(0, line)
    if outcome.summary_index >= 0:
        outcome.summary_index += 1
    outcome.record["first_deploy"] = True


def _check_dry_run(chosen: DeployTarget, *, dry_run: bool, out: Path | None) -> None:
    """`--dry-run` only on a target that renders something, `--out` only with `--dry-run`."""
    if dry_run and chosen.dry_run_renders is None:
        able = {
            name: what
            for name in target_names()
            if (what := deploy_target(name).dry_run_renders) is not None
        }
        raise InputError(
            f"--dry-run renders {', '.join(able.values())}: use it with --target {' or '.join(able)}"
        )
    if out is not None and not dry_run:
        raise InputError("--out is where --dry-run writes the manifests: add --dry-run")


def _canary(
    loaded: LoadedPolicy, evidence_path: Path, target: str | None, timeout: float
) -> tuple[DeployTarget, CanaryRef]:
    """The target (`--target`, else the policy's) and where it finds the policy's canary."""
    from mlops_gate.deploy.gated import canary_spec

    spec = canary_spec(loaded)
    canary = CanaryRef(loaded, spec, _state_dir(evidence_path), timeout)
    return deploy_target(target or spec.target), canary


def _state_dir(evidence_path: Path) -> Path:
    return evidence_path.parent / "canary"


def _write_record(evidence_path: Path, release: GatedRelease, outcome: DeployOutcome) -> None:
    record = {
        "schema": 1,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "policy": release.loaded.policy.name,
        "model": {
            "name": release.model_name,
            "version": release.version,
            "sha256": release.evidence.model_sha256,
        },
        "evidence": {"path": str(evidence_path), "sha256": release.evidence.sha256},
        "target": outcome.target,
        "status": outcome.status,
        "exit_code": outcome.exit_code,
        "lines": outcome.lines,
        **outcome.record,
    }
    atomic_write_text(
        evidence_path.with_name(RECORD),
        json.dumps(record, indent=2, allow_nan=False, default=str) + "\n",
    )
