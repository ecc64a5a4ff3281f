"""What the commands do, callable from Python. `cli.py` only parses arguments and calls these."""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.errors import InputError
from mlops_gate.fsutil import atomic_write_text, sha256_file_memo

if TYPE_CHECKING:
    from collections.abc import Callable

    from mlops_gate.artifacts.build import BuildResult
    from mlops_gate.context import EvaluationContext
    from mlops_gate.deploy.outcome import DeployOutcome
    from mlops_gate.github.deliver import Delivery
    from mlops_gate.pipeline import RunResult, Stage
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.progress import Progress
    from mlops_gate.registry.commands import HistoryView
    from mlops_gate.registry.promote import PromotionResult
    from mlops_gate.report import CheckReport, VariantResult

DEFAULT_POLICY = Path("mlops-gate.yaml")
DEFAULT_TIMEOUT_S = 120.0
WORKFLOW_PATH = Path(".github/workflows/model-gate.yml")
_POLICY_LINE = re.compile(r"^( +policy: )mlops-gate\.yaml$", re.MULTILINE)


@dataclass(frozen=True)
class Outputs:
    """Where `check` writes its reports; `None` skips that report."""

    json: Path | None = None
    junit: Path | None = None
    markdown: Path | None = None
    evidence: Path | None = Path(".mlops-gate") / "evidence.json"
    html: Path | None = None


def validate(policy_path: Path) -> LoadedPolicy:
    """Load and validate a policy without running anything; raises `PolicyError` with every problem."""
    from mlops_gate.policy import load_policy

    return load_policy(policy_path)


def missing_inputs(loaded: LoadedPolicy) -> list[str]:
    """Files the policy names that do not exist, one line each (registry URIs are not checked here)."""
    key_paths = {
        "model": "model.path",
        "baseline": "baseline.path",
        "eval": "data.eval",
        "reference": "data.reference",
    }
    named = {key_paths[name]: path for name, path in loaded.named_files().items()}
    named.update(_gate_files(loaded))
    problems = []
    for key, value in named.items():
        if value is None or "://" in value or value.startswith(("models:/", "runs:/")):
            continue
        if not loaded.resolve(value).exists():
            problems.append(f"{loaded.resolve(value)}: file not found ({key} in {loaded.path})")
    return problems


def check(
    policy_path: Path,
    outputs: Outputs | None = None,
    progress: Progress | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    use_cache: bool = True,
    artifacts: Path | None = None,
    jobs: int | None = None,
) -> CheckReport:
    """Evaluate every gate of the policy, write the requested reports and the evidence file.

    With `use_cache`, a gate whose configuration and input files are unchanged since a previous
    run returns its stored result (marked `cached`); see `mlops_gate.cache`. With `artifacts` (a
    `build --out` folder), the gates run on every artifact of its build.json, the float model's
    results are the report's `gates` and the verdict is the worst over all of them (docs/build.md).
    `jobs` gates are evaluated at once (default: `runner.default_jobs()`; latency always alone).
    """
    from mlops_gate.cache import DEFAULT_DIR, GateCache
    from mlops_gate.context import EvaluationContext
    from mlops_gate.report import CheckReport
    from mlops_gate.runner import run_gates

    outputs = outputs or Outputs()
    loaded = validate(policy_path)
    if artifacts is not None:
        from mlops_gate.artifacts.variants import read_manifest, with_model

        loaded = with_model(loaded, read_manifest(artifacts)[0].path)
    missing = missing_inputs(loaded)
    if missing:
        raise InputError("\n".join(missing))
    started, clock = datetime.now(UTC).isoformat(timespec="seconds"), time.perf_counter()
    cache = GateCache(loaded, DEFAULT_DIR if use_cache else None)
    variants: list[VariantResult] = []
    if artifacts is None:
        context = EvaluationContext(loaded, progress, timeout=timeout)
        gates = run_gates(context, cache, jobs)
    else:
        from mlops_gate.artifacts.variants import check_artifacts

        outcome = check_artifacts(
            loaded, artifacts, progress, timeout=timeout, cache=cache, jobs=jobs
        )
        context, gates, variants = outcome.float_context, outcome.float_gates, outcome.variants
    inputs = _input_files(loaded, context)
    inputs.update({f"artifacts.{v.variant}": Path(v.path) for v in variants})
    if artifacts is not None:
        inputs["artifacts.manifest"] = artifacts / "build.json"
    model = inputs.get("model")
    report = CheckReport(
        policy_name=loaded.policy.name,
        policy_path=str(loaded.path),
        policy_sha256=loaded.sha256,
        gates=gates,
        model_path=str(model) if model else None,
        model_sha256=sha256_file_memo(model) if model and model.is_file() else None,
        baseline_uri=loaded.policy.baseline.path if loaded.policy.baseline else None,
        baseline_version=context.baseline_version(),
        started_at=started,
        duration_s=round(time.perf_counter() - clock, 3),
        variants=variants,
    )
    write_outputs(report, outputs, inputs)
    return report


def write_outputs(report: CheckReport, outputs: Outputs, inputs: dict[str, Path]) -> None:
    from mlops_gate.evidence import build_evidence, write_evidence
    from mlops_gate.reports import junit, markdown

    if outputs.json:
        atomic_write_text(outputs.json, report.to_json_text())
    if outputs.junit:
        atomic_write_text(outputs.junit, junit.render(report))
    if outputs.markdown:
        atomic_write_text(outputs.markdown, markdown.render(report))
    if outputs.html:
        from mlops_gate.reports import html

        atomic_write_text(outputs.html, html.render(report))
    if outputs.evidence:
        write_evidence(outputs.evidence, build_evidence(report, inputs))


def build(
    policy_path: Path,
    out: Path,
    *,
    force: bool = False,
    push: bool = False,
    image: bool = True,
    evidence: Path | None = Path(".mlops-gate") / "evidence.json",
) -> BuildResult:
    """Export, quantize and write the serving image context into `out` (docs/build.md)."""
    from mlops_gate.artifacts.build import build as build_artifacts

    return build_artifacts(policy_path, out, force=force, push=push, image=image, evidence=evidence)


def report(results: Path, outputs: Outputs) -> CheckReport:
    """Re-render a results JSON written by `check --json` (Markdown, HTML, JUnit); no evidence."""
    from dataclasses import replace

    from mlops_gate.reports.load import load_results

    loaded = load_results(results)
    write_outputs(loaded, replace(outputs, json=None, evidence=None), {})
    return loaded


def deliver(
    report: CheckReport,
    *,
    comment: bool = False,
    in_actions: bool = True,
    report_path: Path | None = None,
    pr_number: int | None = None,
    sha: str | None = None,
) -> Delivery:
    """Post to GitHub (`comment`) and, inside Actions, write summary, outputs and annotations.

    Posting never changes the verdict; a failed post that was asked for makes a pass exit 2.
    """
    from mlops_gate.github.deliver import deliver as deliver_to_github

    return deliver_to_github(
        report,
        comment=comment,
        in_actions=in_actions,
        report_path=str(report_path or ""),
        pr_number=pr_number,
        sha=sha,
    )


def _input_files(loaded: LoadedPolicy, context: EvaluationContext) -> dict[str, Path]:
    """Every file the gates read; a registry model is its downloaded copy (the bytes gated)."""
    policy = loaded.policy
    files: dict[str, Path] = {"policy": loaded.path}
    for role in ("model", "baseline"):
        path = context.model_path_or_none(role)
        if path is not None:
            files[role] = path
    for name, value in (("data.eval", policy.data.eval), ("data.reference", policy.data.reference)):
        if value is not None:
            files[name] = loaded.resolve(value)
    files.update({key: loaded.resolve(path) for key, path in _gate_files(loaded).items()})
    return files


def _gate_files(loaded: LoadedPolicy) -> dict[str, str]:
    """The gates' own files (suites, source models) by key path, e.g. `gates[2].suite`."""
    return {
        f"gates[{index}].{key}": path
        for index, gate in enumerate(loaded.policy.gates)
        for key, path in gate.input_paths().items()
    }


@dataclass(frozen=True)
class RecordedRun:
    run_id: str
    new: bool
    """False: the same results (every value, verdict and input hash) were already recorded as
    `run_id` by an earlier check, and nothing was sent to the registry."""


RECORDED_DIR = Path(".mlops-gate") / "cache" / "runs"


def record_check_run(
    policy_path: Path,
    report: CheckReport,
    evidence: Path | None,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    use_cache: bool = True,
) -> RecordedRun | None:
    """Log the check as an MLflow run when the policy uses a registry, else `None`.

    An unchanged re-run (every gate from the result cache, so the very same results) is not logged
    twice: the earlier run's id is returned (`new=False`), which keeps a warm `check` fast (MLflow
    and its store cost seconds to open). `use_cache=False` (`--no-cache`) logs it anyway.
    """
    from mlops_gate.registry.commands import record_check, registry_configured, settings_for

    loaded = validate(policy_path)
    if not registry_configured(loaded):
        return None
    uri, _embedded = settings_for(loaded, timeout).resolve_uri()
    marker = RECORDED_DIR / _results_key(report, uri)
    if use_cache and marker.is_file():
        recorded = marker.read_text(encoding="utf-8").strip()
        if recorded:
            return RecordedRun(recorded, new=False)
    run_id = record_check(loaded, report, evidence, timeout=timeout)
    atomic_write_text(marker, run_id + "\n")
    return RecordedRun(run_id, new=True)


def _results_key(report: CheckReport, tracking_uri: str) -> str:
    """The results without what varies between identical runs (times, `cached` flags)."""
    from mlops_gate.fsutil import sha256_bytes

    document = report.to_json()
    for key in ("started_at", "duration_s", "tool_version"):
        document.pop(key, None)
    for gate in document["gates"]:
        for key in ("duration_s", "cached"):
            gate.pop(key, None)
    document["tracking_uri"] = tracking_uri
    text = json.dumps(document, sort_keys=True, default=str)
    return sha256_bytes(text.encode("utf-8"))


def promote(
    policy_path: Path,
    evidence_path: Path = Path(".mlops-gate") / "evidence.json",
    *,
    rollback: bool = False,
    timeout: float = DEFAULT_TIMEOUT_S,
    reason: str | None = None,
) -> PromotionResult:
    """Move the registry alias to the checked model (docs/registry.md); `rollback` moves it back."""
    from mlops_gate.registry import commands

    if rollback:
        return commands.rollback(policy_path, timeout=timeout, reason=reason)
    return commands.promote(policy_path, evidence_path, timeout=timeout, reason=reason)


def history(
    policy_path: Path, *, timeout: float = DEFAULT_TIMEOUT_S, alias: str | None = None
) -> HistoryView:
    """The recorded moves of the policy's alias/stage (or of `alias`), oldest first, and who
    holds it now."""
    from mlops_gate.registry import commands

    return commands.history(policy_path, timeout=timeout, alias=alias)


def schema() -> str:
    """The policy's JSON Schema, generated from the pydantic models (for editors and CI linting)."""
    from mlops_gate.policy import policy_model

    text = json.dumps(policy_model().model_json_schema(), indent=2)
    # Every gate module names its model `Config`; editors show `$defs` names, so give them real ones.
    text = re.sub(r"mlops_gate__gates__(\w+?)__Config", lambda m: f"{m.group(1).title()}Gate", text)
    document = json.loads(text)
    for name, definition in document["$defs"].items():
        if name.endswith("Gate"):
            definition["title"] = name
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "mlops-gate policy (version 1)"
    return json.dumps(document, indent=2) + "\n"


def init(path: Path, *, force: bool = False, github: bool = False) -> list[Path]:
    """Write the starter policy at `path` and, with `github`, the sample workflow (at
    `WORKFLOW_PATH`, relative to the working directory: the repository root); return the paths
    written, the policy first. Nothing is written when a file exists, unless `force`.
    """
    files = {path: _template("mlops-gate.yaml")}
    if github:
        files[WORKFLOW_PATH] = _workflow_for(path)
    existing = [target for target in files if target.exists()]
    if existing and not force:
        raise InputError(
            "\n".join(f"{target}: already exists (use --force to overwrite)" for target in existing)
        )
    for target, text in files.items():
        atomic_write_text(target, text)
    return list(files)


def _template(name: str) -> str:
    from importlib import resources

    return resources.files("mlops_gate").joinpath(f"templates/{name}").read_text("utf-8")


def _workflow_for(policy: Path) -> str:
    """The sample workflow, its `policy:` naming `policy` (relative to the working directory)."""
    text = _template("model-gate.yml")
    relative = Path(os.path.relpath(policy.absolute(), Path.cwd()))
    if relative.parts[0] == "..":
        raise InputError(
            f"{policy}: outside the working directory, so the workflow cannot name it "
            "(run `mlops-gate init --github` from the repository root)"
        )
    if relative != DEFAULT_POLICY:
        value = json.dumps(relative.as_posix())  # a double-quoted YAML scalar, whatever the path
        text = _POLICY_LINE.sub(lambda match: match.group(1) + value, text, count=1)
    return text


def deploy(
    policy_path: Path,
    evidence_path: Path = Path(".mlops-gate") / "evidence.json",
    *,
    target: str | None = None,
    dry_run: bool = False,
    out: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    on_event: Callable[[str], None] | None = None,
) -> DeployOutcome:
    """Start the canary of the promoted model on `target` (default: the policy's), docs/deploy.md."""
    from mlops_gate.deploy.commands import deploy as start

    return start(
        policy_path,
        evidence_path,
        target=target,
        dry_run=dry_run,
        out=out,
        timeout=timeout,
        on_event=on_event,
    )


def deploy_status(
    policy_path: Path,
    evidence_path: Path = Path(".mlops-gate") / "evidence.json",
    *,
    target: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> list[str]:
    """The running (or last) canary of the policy, one line per fact."""
    from mlops_gate.deploy.commands import status

    return status(policy_path, evidence_path, target=target, timeout=timeout)


def deploy_control(
    policy_path: Path,
    action: str,
    evidence_path: Path = Path(".mlops-gate") / "evidence.json",
    *,
    target: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> str:
    """`abort` (back to 0%) or `promote-now` (to 100%) the running canary; what was done."""
    from mlops_gate.deploy.commands import control

    return control(policy_path, action, evidence_path, target=target, timeout=timeout)


def run(
    policy_path: Path,
    *,
    out: Path | None = None,
    evidence: Path = Path(".mlops-gate") / "evidence.json",
    outputs: Outputs | None = None,
    progress: Progress | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    on_stage: Callable[[Stage], None] | None = None,
    on_event: Callable[[str], None] | None = None,
    on_report: Callable[[CheckReport], None] | None = None,
) -> RunResult:
    """build → check → image → promote → deploy, stopping at the first "no" (mlops_gate.pipeline)."""
    from mlops_gate.pipeline import run as run_pipeline

    return run_pipeline(
        policy_path,
        out=out,
        evidence=evidence,
        outputs=outputs or Outputs(),
        progress=progress,
        timeout=timeout,
        on_stage=on_stage,
        on_event=on_event,
        on_report=on_report,
    )
