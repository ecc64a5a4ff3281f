"""`mlops-gate check`: evaluate every gate, write the reports and the evidence, record, post.

`check` takes the loaded policy (read once by the caller) and returns a `CheckResult` whose
`exit_code` is final: the gates' verdict weighed with the side effects (recording the run,
posting the report) in `commands.outcome`. The CLI prints that number and exits with it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from mlops_gate import paths
from mlops_gate.commands.outcome import SideEffect
from mlops_gate.commands.recording import RecordMode
from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.errors import InputError
from mlops_gate.fsutil import atomic_write_text, sha256_file_memo

if TYPE_CHECKING:
    from mlops_gate.commands.delivery import Delivery
    from mlops_gate.commands.recording import RecordedRun
    from mlops_gate.engine.cache import GateCache
    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.progress import Progress
    from mlops_gate.report import CheckReport, VariantResult
    from mlops_gate.results import GateResult


@dataclass(frozen=True)
class Outputs:
    """Where `check` writes its reports (each a reporter of `reports.registry`); `None` skips it."""

    json: Path | None = None
    junit: Path | None = None
    markdown: Path | None = None
    evidence: Path | None = paths.EVIDENCE
    html: Path | None = None
    sarif: Path | None = None

    def reports(self) -> dict[str, Path]:
        """Reporter name → path, for every report asked for (the evidence is not a report)."""
        return {
            item.name: path
            for item in fields(self)
            if item.name != "evidence" and (path := getattr(self, item.name)) is not None
        }


@dataclass(frozen=True)
class CheckRequest:
    """How to check: where to write, what to reuse, what to post and record."""

    outputs: Outputs = field(default_factory=Outputs)
    progress: Progress | None = None
    timeout: float = DEFAULT_TIMEOUT_S
    use_cache: bool = True
    artifacts: Path | None = None
    jobs: int | None = None
    comment: bool = False
    record: RecordMode = RecordMode.AUTO
    """`auto`: when the policy uses a registry, and a recording that cannot happen is a warning;
    `required`: one that cannot makes a pass exit 2; `off`: never (recording.RecordMode)."""
    select: tuple[str, ...] = ()
    """Gate ids or types to run (commands/select.py); empty: every gate."""
    exit_zero: bool = False
    """Advisory (`--exit-zero`): exit 0 whatever the verdict (a bug still exits 3)."""
    actions_stream: TextIO | None = None
    """Where the Actions workflow commands go (default stdout, where the runner reads them)."""

    @property
    def evidence(self) -> Path | None:
        """Where the evidence goes: nowhere for an advisory run or a selection, which must never
        let promote pass (issue 17, item 5); an earlier check's evidence file is left as it is
        (promote re-verifies its hashes, so it stands only for unchanged inputs)."""
        return None if self.exit_zero or self.select else self.outputs.evidence


@dataclass(frozen=True)
class CheckResult:
    report: CheckReport
    delivery: Delivery
    recorded: RecordedRun | None = None

    @property
    def exit_code(self) -> int:
        return self.delivery.exit_code


def check(
    loaded: LoadedPolicy,
    request: CheckRequest | None = None,
    on_report: Callable[[CheckReport], None] | None = None,
) -> CheckResult:
    """Evaluate, then (after `on_report`: the CLI prints the table) record and deliver."""
    from mlops_gate.commands.delivery import deliver
    from mlops_gate.commands.recording import record_effect

    request = request or CheckRequest()
    report = evaluate(loaded, request)
    if on_report is not None:
        on_report(report)
    recorded, effect = record_effect(
        loaded,
        report,
        request.evidence,
        mode=request.record,
        timeout=request.timeout,
        use_cache=request.use_cache,
        html=request.outputs.html,
    )
    effects: list[SideEffect] = [effect] if effect is not None else []
    delivery = deliver(
        report,
        comment=request.comment,
        report_path=request.outputs.html,
        effects=effects,
        stream=request.actions_stream,
        timeout=request.timeout,
    )
    return CheckResult(report, delivery, recorded)


def evaluate(loaded: LoadedPolicy, request: CheckRequest) -> CheckReport:
    """Every gate of the policy; writes the reports asked for and the evidence file.

    With `use_cache`, a gate whose configuration and input files are unchanged since a previous
    run returns its stored result (marked `cached`; engine/cache.py). With `artifacts` (a
    `build --out` folder), the gates run on every artifact of its build.json, the float model's
    results are the report's `gates` and the verdict is the worst over all of them.
    """
    from mlops_gate.commands.select import select_gates, with_policy_lines
    from mlops_gate.engine.cache import DEFAULT_DIR, GateCache
    from mlops_gate.engine.inputs import missing_inputs

    if request.artifacts is not None:
        from mlops_gate.engine.variants import with_model
        from mlops_gate.loaders.manifest import read_artifacts

        loaded = with_model(loaded, read_artifacts(request.artifacts)[0].path)
    whole, loaded = loaded, select_gates(loaded, request.select)
    missing = missing_inputs(loaded)
    if missing:
        raise InputError("\n".join(missing))
    started, clock = datetime.now(UTC).isoformat(timespec="seconds"), time.perf_counter()
    cache = GateCache(loaded, DEFAULT_DIR if request.use_cache else None)
    context, gates, variants = _run(loaded, request, cache)
    if request.select:
        gates = with_policy_lines(gates, whole)
    inputs = evidence_inputs(loaded, context)
    inputs.update({f"artifacts.{v.variant}": Path(v.path) for v in variants})
    if request.artifacts is not None:
        from mlops_gate.loaders.manifest import manifest_path

        inputs["artifacts.manifest"] = manifest_path(request.artifacts)
    model = inputs.get("model")
    from mlops_gate.report import CheckReport

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
        advisory=request.exit_zero,
        selected=request.select,
    )
    write_outputs(report, dataclasses.replace(request.outputs, evidence=request.evidence), inputs)
    return report


def _run(
    loaded: LoadedPolicy, request: CheckRequest, cache: GateCache
) -> tuple[EvaluationContext, list[GateResult], list[VariantResult]]:
    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.engine.runner import run_gates
    from mlops_gate.registry.locator import locator_for

    locator = locator_for(loaded, request.timeout)
    if request.artifacts is None:
        context = EvaluationContext(
            loaded, request.progress, timeout=request.timeout, locator=locator
        )
        return context, run_gates(context, cache, request.jobs), []
    from mlops_gate.engine.variants import check_artifacts

    outcome = check_artifacts(
        loaded,
        request.artifacts,
        request.progress,
        timeout=request.timeout,
        cache=cache,
        jobs=request.jobs,
        locator=locator,
    )
    return outcome.float_context, outcome.float_gates, outcome.variants


def evidence_inputs(loaded: LoadedPolicy, context: EvaluationContext) -> dict[str, Path]:
    """Every file the gates read, by evidence name (engine/inputs.py); a registry model is its
    downloaded copy (the bytes gated)."""
    from mlops_gate.engine.inputs import policy_inputs

    located = {role: context.model_path_or_none(role) for role in ("model", "baseline")}
    inputs = policy_inputs(loaded, located)
    return {item.name: item.path for item in inputs if item.path is not None}


def write_outputs(report: CheckReport, outputs: Outputs, inputs: dict[str, Path]) -> None:
    """Each report asked for (through the reporter registry), then the evidence file."""
    from mlops_gate.evidence import build_evidence, write_evidence
    from mlops_gate.reports.registry import render

    for name, path in outputs.reports().items():
        atomic_write_text(path, render(name, report))
    if outputs.evidence:
        write_evidence(outputs.evidence, build_evidence(report, inputs))
    with contextlib.suppress(OSError):  # the CLI tries again when it closes
        paths.ignore_state_dir()
