"""`mlops-gate run`: build → check → image → promote → deploy, stopping at the first "no".

All or nothing: no image, no promotion and no deployment unless every gate passed. Every stage is
idempotent, so a re-run after a fault resumes where it stopped instead of shipping twice:
- build is skipped when `build.json` already holds an export of today's policy and source;
- check reuses cached gate results (`mlops_gate.engine.cache`) for unchanged inputs;
- promote finds the version registered from these bytes and the alias already on it;
- deploy sees the serving alias already on the version and does nothing.
With the champion as baseline (`baseline: models:/NAME@champion`, `promote.alias: champion`),
promote moves the alias the check compared with; deploy knows that move as this release's own
(issue 14), runs the canary against the version serving before, and, when the canary does not
reach 100%, gives the champion back, so the next run checks against the real champion again.
Each stage's outcome is printed as it ends and written, with the final verdict, to `run.json`
beside the evidence file (atomically), so a CI log and a later reader see the same summary.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.commands.check import CheckRequest, Outputs
from mlops_gate.commands.recording import RecordMode
from mlops_gate.errors import InputError, MlopsGateError
from mlops_gate.fsutil import atomic_write_text, sha256_file

if TYPE_CHECKING:
    from mlops_gate.commands.check import CheckResult
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.progress import Progress
    from mlops_gate.report import CheckReport

STAGES = ("build", "check", "image", "promote", "deploy")


@dataclass
class Stage:
    name: str
    status: str
    """done, up to date, skipped, failed, error, or not run."""
    detail: str = ""
    seconds: float = 0.0


@dataclass
class RunResult:
    policy: str
    stages: list[Stage] = field(default_factory=list)
    exit_code: int = 0

    def lines(self) -> list[str]:
        width = max(len(name) for name in STAGES)
        rows = [f"{s.name:<{width}}  {s.status:<10}  {s.detail}".rstrip() for s in self.stages]
        verdict = "shipped" if self.exit_code == 0 else "stopped"
        return [*rows, f"run {self.policy}: {verdict} (exit {self.exit_code})"]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "policy": self.policy,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "exit_code": self.exit_code,
            "stages": [asdict(stage) for stage in self.stages],
        }


StageHook = Callable[[Stage], None]


def run(
    loaded: LoadedPolicy,
    *,
    out: Path | None,
    evidence: Path,
    outputs: Outputs,
    progress: Progress | None = None,
    timeout: float,
    comment: bool = False,
    record: RecordMode = RecordMode.AUTO,
    on_stage: StageHook | None = None,
    on_event: Callable[[str], None] | None = None,
    on_report: Callable[[CheckReport], None] | None = None,
    on_checked: Callable[[CheckResult], None] | None = None,
) -> RunResult:
    """Run every stage in order on the one loaded policy; the first that fails or errs stops
    the rest (`not run`).

    `on_report` receives the check's report (the CLI prints its table) before it is recorded and
    posted; `on_checked` the check's result (the CLI prints what posting said)."""
    folder = build_folder(loaded, out)
    result = RunResult(loaded.policy.name)
    hook = on_stage or (lambda stage: None)
    request = CheckRequest(
        outputs=replace(outputs, evidence=evidence),
        progress=progress,
        timeout=timeout,
        artifacts=folder if loaded.policy.artifacts is not None else None,
        comment=comment,
        record=record,
    )
    steps: list[tuple[str, Callable[[], tuple[str, str, int]]]] = [
        ("build", lambda: _build(loaded, folder)),
        ("check", lambda: _check(loaded, request, on_report, on_checked)),
        ("image", lambda: _image(loaded, folder, evidence)),
        ("promote", lambda: _promote(loaded, evidence, timeout)),
        ("deploy", lambda: _deploy(loaded, evidence, timeout, on_event)),
    ]
    for name, step in steps:
        if result.exit_code:
            result.stages.append(Stage(name, "not run"))
            continue
        clock = time.perf_counter()
        try:
            status, detail, code = step()
        except MlopsGateError as exc:
            status, detail, code = "error", str(exc).splitlines()[0], 2
        stage = Stage(name, status, detail, round(time.perf_counter() - clock, 3))
        result.stages.append(stage)
        result.exit_code = code
        hook(stage)
    atomic_write_text(evidence.with_name("run.json"), json.dumps(result.to_json(), indent=2) + "\n")
    return result


def build_folder(loaded: LoadedPolicy, out: Path | None) -> Path:
    """Where `build` writes: `--out`, else the folder of `model.path`, which must be the built
    float artifact (`<out>/model.onnx`) so that check, promote and deploy use the bytes built."""
    from mlops_gate.loaders.manifest import FLOAT_FILE

    model = loaded.policy.model
    if loaded.policy.artifacts is None or model is None:
        return out or Path("dist")
    shipped = loaded.resolve(model.path)
    folder = out or shipped.parent
    if shipped.resolve() != (folder / FLOAT_FILE).resolve():
        raise InputError(
            f"{loaded.path}: model.path is {model.path}, but run builds {folder / FLOAT_FILE}: "
            "point model.path at the built artifact (or --out at its folder)"
        )
    return folder


def _build(loaded: LoadedPolicy, out: Path) -> tuple[str, str, int]:
    from mlops_gate.artifacts.build import build
    from mlops_gate.loaders.manifest import manifest_path

    artifacts = loaded.policy.artifacts
    if artifacts is None:
        return "skipped", "no `artifacts` section: model.path ships as it is", 0
    if _built(loaded, out) is not None:
        return "up to date", f"{manifest_path(out)} matches today's policy and source", 0
    built = build(loaded, out, force=manifest_path(out).exists(), image=False)
    count = len(built.manifest["artifacts"])
    return "done", f"{count} artifact{'s' * (count != 1)} in {out}", 0


def _check(
    loaded: LoadedPolicy,
    request: CheckRequest,
    on_report: Callable[[CheckReport], None] | None,
    on_checked: Callable[[CheckResult], None] | None,
) -> tuple[str, str, int]:
    """`check` itself (evaluate, record, post): a pass whose recording or post failed is exit 2
    there, and so stops the run here before anything ships."""
    from mlops_gate.commands.check import check
    from mlops_gate.render.formatting import counts as tally

    checked = check(loaded, request, on_report)
    if on_checked is not None:
        on_checked(checked)
    report, code = checked.report, checked.exit_code
    counts = tally(report.gates)
    recorded = f"; {checked.recorded.line()}" if checked.recorded else ""
    evidence = request.outputs.evidence
    if code == 0:
        return "done", f"every gate passed ({counts}); evidence {evidence}{recorded}", 0
    blocking = "; ".join(
        f"{gate.id}: {gate.message}" for gate in report.gates if gate.verdict in ("fail", "error")
    )
    if not blocking:  # the gates passed; a side effect did not
        blocking = "; ".join(checked.delivery.errors) or "a side effect failed"
    return ("failed" if code == 1 else "error"), f"{counts}: nothing ships ({blocking})", code


def _image(loaded: LoadedPolicy, out: Path, evidence: Path) -> tuple[str, str, int]:
    from mlops_gate.artifacts.build import build_image_from
    from mlops_gate.loaders.manifest import manifest_path

    artifacts = loaded.policy.artifacts
    if artifacts is None or artifacts.image is None:
        return "skipped", "no `artifacts.image` section", 0
    if not manifest_path(out).is_file():
        raise InputError(f"{manifest_path(out)}: missing: the image needs a build")
    line = build_image_from(out, evidence)
    return ("done" if line.startswith("built") else "skipped"), line, 0


def _promote(loaded: LoadedPolicy, evidence: Path, timeout: float) -> tuple[str, str, int]:
    from mlops_gate.commands.promote import promote

    policy = loaded.policy
    if policy.promote is None and policy.deploy is None:
        return "skipped", "no `promote` section", 0
    promoted = promote(loaded, evidence, timeout=timeout)
    status = "up to date" if promoted.action == "already promoted" else "done"
    return status, promoted.summary(), 0


def _deploy(
    loaded: LoadedPolicy,
    evidence: Path,
    timeout: float,
    on_event: Callable[[str], None] | None,
) -> tuple[str, str, int]:
    from mlops_gate.commands.deploy import deploy

    if loaded.policy.deploy is None or loaded.policy.deploy.canary is None:
        return "skipped", "no `deploy.canary` section", 0
    outcome = deploy(loaded, evidence, timeout=timeout, on_event=on_event)
    status = {0: "done", 1: "failed"}.get(outcome.exit_code, "error")
    if outcome.exit_code == 0 and outcome.up_to_date:
        status = "up to date"
    return status, outcome.summary, outcome.exit_code


def _built(loaded: LoadedPolicy, out: Path) -> dict[str, Any] | None:
    """The manifest in `out` when it holds an intact export of today's source under today's
    policy, else None. A source that is not a local file (a registry URI) is never up to date."""
    from mlops_gate.loaders.manifest import intact, manifest_path, read_manifest

    if not manifest_path(out).is_file():
        return None
    try:
        manifest = read_manifest(out)
    except InputError:
        return None
    if (manifest.get("policy") or {}).get("sha256") != loaded.sha256:
        return None
    source = manifest.get("source") or {}
    path = Path(str(source.get("path") or ""))
    if not path.is_file() or sha256_file(path) != source.get("sha256"):
        return None
    return manifest if intact(out, manifest) else None
