"""The stable Python façade: what the commands do, callable from Python.

Each function takes a policy as a path (read once, here) or as an already loaded policy, and
calls the command module that does the work (`mlops_gate.commands`). The names and signatures
here are public; the modules behind them may move.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate import paths
from mlops_gate.commands.check import CheckRequest, Outputs
from mlops_gate.commands.delivery import Delivery, deliver
from mlops_gate.commands.init import DEFAULT_POLICY, WORKFLOW_PATH, init
from mlops_gate.commands.recording import RecordedRun
from mlops_gate.commands.schema import schema
from mlops_gate.deadline import DEFAULT_TIMEOUT_S

if TYPE_CHECKING:
    from collections.abc import Callable

    from mlops_gate.artifacts.build import BuildResult
    from mlops_gate.commands.history import HistoryView
    from mlops_gate.commands.run import RunResult, Stage
    from mlops_gate.deploy.outcome import DeployOutcome
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.progress import Progress
    from mlops_gate.registry.promote import PromotionResult
    from mlops_gate.report import CheckReport

__all__ = [
    "DEFAULT_POLICY",
    "DEFAULT_TIMEOUT_S",
    "WORKFLOW_PATH",
    "CheckRequest",
    "Delivery",
    "Outputs",
    "RecordedRun",
    "build",
    "check",
    "deliver",
    "deploy",
    "deploy_control",
    "deploy_status",
    "history",
    "init",
    "missing_inputs",
    "promote",
    "record_check_run",
    "report",
    "rollback",
    "run",
    "schema",
    "validate",
]


def validate(policy: Path | LoadedPolicy) -> LoadedPolicy:
    """Load and validate a policy without running anything; raises `PolicyError` with every problem."""
    from mlops_gate.gates.registry import load_policy
    from mlops_gate.policy.loader import LoadedPolicy

    return policy if isinstance(policy, LoadedPolicy) else load_policy(policy)


def missing_inputs(loaded: LoadedPolicy) -> list[str]:
    """Files the policy reads that are not there, one line each (registry URIs are not checked)."""
    from mlops_gate.commands.validate import validate as validate_files

    return validate_files(loaded)


def check(
    policy: Path | LoadedPolicy,
    outputs: Outputs | None = None,
    progress: Progress | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    use_cache: bool = True,
    artifacts: Path | None = None,
    jobs: int | None = None,
    select: tuple[str, ...] = (),
    exit_zero: bool = False,
) -> CheckReport:
    """Evaluate every gate and write the requested reports and the evidence file (no recording,
    no posting: `mlops_gate.commands.check.check` does all three). `select` (gate ids or types)
    runs only those gates and `exit_zero` marks the report advisory: neither writes evidence."""
    from mlops_gate.commands.check import evaluate

    request = CheckRequest(
        outputs=outputs or Outputs(),
        progress=progress,
        timeout=timeout,
        use_cache=use_cache,
        artifacts=artifacts,
        jobs=jobs,
        select=tuple(select),
        exit_zero=exit_zero,
    )
    return evaluate(validate(policy), request)


def record_check_run(
    policy: Path | LoadedPolicy,
    report: CheckReport,
    evidence: Path | None,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    use_cache: bool = True,
    html: Path | None = None,
) -> RecordedRun | None:
    """Log the check as an MLflow run when the policy uses a registry, else `None` (`html`: the
    HTML report the check wrote, logged as an artifact)."""
    from mlops_gate.commands.recording import record_check_run as record

    return record(
        validate(policy), report, evidence, timeout=timeout, use_cache=use_cache, html=html
    )


def build(
    policy: Path | LoadedPolicy,
    out: Path,
    *,
    force: bool = False,
    push: bool = False,
    image: bool = True,
    evidence: Path | None = paths.EVIDENCE,
) -> BuildResult:
    """Export, quantize and write the serving image context into `out` (docs/build.md)."""
    from mlops_gate.commands.build import build as build_command

    return build_command(
        validate(policy), out, force=force, push=push, image=image, evidence=evidence
    )


def report(results: Path, outputs: Outputs) -> CheckReport:
    """Re-render a results JSON written by `check --json` (Markdown, HTML, JUnit); no evidence."""
    from mlops_gate.commands.report import load

    return load(results, outputs)


def promote(
    policy: Path | LoadedPolicy,
    evidence_path: Path = paths.EVIDENCE,
    *,
    rollback: bool = False,
    timeout: float = DEFAULT_TIMEOUT_S,
    reason: str | None = None,
    alias: str | None = None,
) -> PromotionResult:
    """Move the registry alias to the checked model (docs/registry.md); `rollback` moves it back
    (`alias`: another alias of the model, e.g. `production`, with `rollback` only)."""
    from mlops_gate.commands import promote as command

    loaded = validate(policy)
    if rollback:
        return command.rollback(loaded, timeout=timeout, reason=reason, alias=alias)
    return command.promote(loaded, evidence_path, timeout=timeout, reason=reason)


def rollback(
    policy: Path | LoadedPolicy,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    reason: str | None = None,
    alias: str | None = None,
) -> PromotionResult:
    """Give the alias (the policy's, or `alias`) back to the version that held it before the
    current holder's promotion."""
    from mlops_gate.commands.promote import rollback as command

    return command(validate(policy), timeout=timeout, reason=reason, alias=alias)


def history(
    policy: Path | LoadedPolicy, *, timeout: float = DEFAULT_TIMEOUT_S, alias: str | None = None
) -> HistoryView:
    """The recorded moves of the policy's alias/stage (or of `alias`), oldest first, and who
    holds it now."""
    from mlops_gate.commands.history import history as command

    return command(validate(policy), timeout=timeout, alias=alias)


def deploy(
    policy: Path | LoadedPolicy,
    evidence_path: Path = paths.EVIDENCE,
    *,
    target: str | None = None,
    dry_run: bool = False,
    out: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    on_event: Callable[[str], None] | None = None,
) -> DeployOutcome:
    """Start the canary of the promoted model on `target` (default: the policy's), docs/deploy.md."""
    from mlops_gate.commands.deploy import deploy as command

    return command(
        validate(policy),
        evidence_path,
        target=target,
        dry_run=dry_run,
        out=out,
        timeout=timeout,
        on_event=on_event,
    )


def deploy_status(
    policy: Path | LoadedPolicy,
    evidence_path: Path = paths.EVIDENCE,
    *,
    target: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> list[str]:
    """The running (or last) canary of the policy, one line per fact."""
    from mlops_gate.commands.deploy import status

    return status(validate(policy), evidence_path, target=target, timeout=timeout)


def deploy_control(
    policy: Path | LoadedPolicy,
    action: str,
    evidence_path: Path = paths.EVIDENCE,
    *,
    target: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> str:
    """`abort` (back to 0%) or `promote-now` (to 100%) the running canary; what was done."""
    from mlops_gate.commands.deploy import control

    return control(validate(policy), action, evidence_path, target=target, timeout=timeout)


def run(
    policy: Path | LoadedPolicy,
    *,
    out: Path | None = None,
    evidence: Path = paths.EVIDENCE,
    outputs: Outputs | None = None,
    progress: Progress | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    comment: bool = False,
    on_stage: Callable[[Stage], None] | None = None,
    on_event: Callable[[str], None] | None = None,
    on_report: Callable[[CheckReport], None] | None = None,
) -> RunResult:
    """build → check → image → promote → deploy on one loaded policy, stopping at the first "no"."""
    from mlops_gate.commands.run import run as command

    return command(
        validate(policy),
        out=out,
        evidence=evidence,
        outputs=outputs or Outputs(),
        progress=progress,
        timeout=timeout,
        comment=comment,
        on_stage=on_stage,
        on_event=on_event,
        on_report=on_report,
    )
