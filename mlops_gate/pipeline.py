"""`mlops-gate run`: build → check → image → promote → deploy, stopping at the first "no".

All or nothing: no image, no promotion and no deployment unless every gate passed. Every stage is
idempotent, so a re-run after a fault resumes where it stopped instead of shipping twice:
- build is skipped when `build.json` already holds an export of today's policy and source;
- check reuses cached gate results (`mlops_gate.cache`) for unchanged inputs;
- promote finds the version registered from these bytes and the alias already on it;
- deploy sees the serving alias already on the version and does nothing.
Each stage's outcome is printed as it ends and written, with the final verdict, to `run.json`
beside the evidence file (atomically), so a CI log and a later reader see the same summary.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import InputError, MlopsGateError
from mlops_gate.fsutil import atomic_write_text, sha256_file

if TYPE_CHECKING:
    from mlops_gate.api import Outputs
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
    policy_path: Path,
    *,
    out: Path | None,
    evidence: Path,
    outputs: Outputs,
    progress: Progress | None = None,
    timeout: float,
    on_stage: StageHook | None = None,
    on_event: Callable[[str], None] | None = None,
    on_report: Callable[[CheckReport], None] | None = None,
) -> RunResult:
    """Run every stage in order; the first that fails or errs stops the rest (`not run`).

    `on_report` receives the check's report (the CLI prints its table) before the stage ends."""
    from mlops_gate.policy import load_policy

    loaded = load_policy(policy_path)
    folder = build_folder(loaded, out)
    result = RunResult(loaded.policy.name)
    hook = on_stage or (lambda stage: None)
    steps: list[tuple[str, Callable[[], tuple[str, str, int]]]] = [
        ("build", lambda: _build(loaded, folder)),
        ("check", lambda: _check(loaded, outputs, evidence, progress, timeout, folder, on_report)),
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
    from mlops_gate.artifacts.build import FLOAT_FILE

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
    from mlops_gate.artifacts.build import MANIFEST, build

    artifacts = loaded.policy.artifacts
    if artifacts is None:
        return "skipped", "no `artifacts` section: model.path ships as it is", 0
    manifest = _read_manifest(out / MANIFEST)
    if manifest is not None and _up_to_date(loaded, manifest, out):
        return "up to date", f"{out / MANIFEST} matches today's policy and source", 0
    built = build(loaded.path, out, force=manifest is not None, image=False)
    count = len(built.manifest["artifacts"])
    return "done", f"{count} artifact{'s' * (count != 1)} in {out}", 0


def _check(
    loaded: LoadedPolicy,
    outputs: Outputs,
    evidence: Path,
    progress: Progress | None,
    timeout: float,
    out: Path,
    on_report: Callable[[CheckReport], None] | None,
) -> tuple[str, str, int]:
    from dataclasses import replace

    from mlops_gate import api
    from mlops_gate.reports.formatting import counts as tally

    report = api.check(
        loaded.path,
        replace(outputs, evidence=evidence),
        progress,
        timeout=timeout,
        artifacts=out if loaded.policy.artifacts is not None else None,
    )
    if on_report is not None:
        on_report(report)
    code = int(report.exit_code)
    counts = tally(report.gates)
    # As `check` does: the run is logged in the registry when the policy uses one. A registry
    # that cannot record a pass stops the run (exit 2) before anything ships; a failure stays 1.
    try:
        run = api.record_check_run(loaded.path, report, evidence, timeout=timeout)
    except MlopsGateError:
        if code == 0:
            raise
        run = None
    recorded = f"; recorded run {run.run_id}" if run else ""
    if code == 0:
        return "done", f"every gate passed ({counts}); evidence {evidence}{recorded}", 0
    blocking = "; ".join(
        f"{gate.id}: {gate.message}" for gate in report.gates if gate.verdict in ("fail", "error")
    )
    return ("failed" if code == 1 else "error"), f"{counts}: nothing ships ({blocking})", code


def _image(loaded: LoadedPolicy, out: Path, evidence: Path) -> tuple[str, str, int]:
    from mlops_gate.artifacts.build import MANIFEST, build_image_from

    artifacts = loaded.policy.artifacts
    if artifacts is None or artifacts.image is None:
        return "skipped", "no `artifacts.image` section", 0
    if not (out / MANIFEST).is_file():
        raise InputError(f"{out / MANIFEST}: missing: the image needs a build")
    line = build_image_from(out, evidence)
    return ("done" if line.startswith("built") else "skipped"), line, 0


def _promote(loaded: LoadedPolicy, evidence: Path, timeout: float) -> tuple[str, str, int]:
    from mlops_gate import api

    policy = loaded.policy
    if policy.promote is None and policy.deploy is None:
        return "skipped", "no `promote` section", 0
    promoted = api.promote(loaded.path, evidence, timeout=timeout)
    status = "up to date" if promoted.action == "already promoted" else "done"
    return status, promoted.summary(), 0


def _deploy(
    loaded: LoadedPolicy,
    evidence: Path,
    timeout: float,
    on_event: Callable[[str], None] | None,
) -> tuple[str, str, int]:
    from mlops_gate.deploy.commands import deploy

    if loaded.policy.deploy is None or loaded.policy.deploy.canary is None:
        return "skipped", "no `deploy.canary` section", 0
    outcome = deploy(loaded.path, evidence, timeout=timeout, on_event=on_event)
    status = {0: "done", 1: "failed"}.get(outcome.exit_code, "error")
    if outcome.exit_code == 0 and outcome.up_to_date:
        status = "up to date"
    return status, outcome.summary, outcome.exit_code


def _read_manifest(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _up_to_date(loaded: LoadedPolicy, manifest: dict[str, Any], out: Path) -> bool:
    """The build in `out` exported today's source under today's policy, and is intact.

    A source that is not a local file (a registry URI) is never up to date: it is re-exported.
    """
    if (manifest.get("policy") or {}).get("sha256") != loaded.sha256:
        return False
    source = manifest.get("source") or {}
    path = Path(str(source.get("path") or ""))
    if not path.is_file() or sha256_file(path) != source.get("sha256"):
        return False
    return all(
        (out / item["file"]).is_file() and sha256_file(out / item["file"]) == item["sha256"]
        for item in manifest.get("artifacts", [])
    )
