"""Registry test projects: a real ONNX model, a policy with `promote:`, evidence as `check` does.

Evidence is built with `mlops_gate.evidence.build_evidence` on a real `CheckReport`, exactly the
function `check` uses, so promote is tested against the real file format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_gate.evidence import VerifiedEvidence, build_evidence, write_evidence
from mlops_gate.fsutil import sha256_file
from mlops_gate.report import CheckReport
from mlops_gate.results import GateResult, Verdict
from tests.support import binary_frame, train_onnx, write_policy, write_table


@dataclass(frozen=True)
class Project:
    root: Path
    policy: Path
    model: Path
    eval_data: Path
    name: str

    @property
    def baseline_uri(self) -> str:
        return f"models:/{self.name}@champion"


def make_project(
    root: Path,
    name: str,
    *,
    seed: int = 1,
    promote: dict[str, Any] | None = None,
    baseline: bool = True,
    model_path: str = "model.onnx",
) -> Project:
    """A folder with a real ONNX model (trained on `seed`), eval data and a policy named `name`."""
    root.mkdir(parents=True, exist_ok=True)
    model = root / "model.onnx"
    if not model.exists():
        train_onnx(binary_frame(300, seed=seed), model)
    eval_data = write_table(binary_frame(200, seed=99), root / "eval.parquet")
    document: dict[str, Any] = {
        "version": 1,
        "name": name,
        "model": {"path": model_path, "task": "classification"},
        "data": {"eval": "eval.parquet", "target": "label", "ignore": ["id", "group"]},
        "gates": [{"type": "size", "max_mb": 1}],
        "promote": promote if promote is not None else {"model_name": name, "alias": "champion"},
    }
    if baseline:
        document["baseline"] = {"path": f"models:/{name}@champion"}
    return Project(root, write_policy(root, document), model, eval_data, name)


def write_evidence_for(
    project: Project,
    *,
    verdict: Verdict = Verdict.PASS,
    baseline_version: str | None = None,
    model: Path | None = None,
    path: Path | None = None,
) -> Path:
    """The evidence file `check` would write for this project (gates and verdict as given)."""
    model = model or project.model
    report = CheckReport(
        policy_name=project.name,
        policy_path=str(project.policy),
        policy_sha256=sha256_file(project.policy),
        gates=[GateResult(id="size", type="size", verdict=verdict, value=0.0004, threshold=1.0)],
        model_path=str(model),
        model_sha256=sha256_file(model),
        baseline_uri=project.baseline_uri
        if baseline_version is not None or _has_baseline(project)
        else None,
        baseline_version=baseline_version,
        started_at="2026-01-01T00:00:00+00:00",
    )
    inputs = {"policy": project.policy, "model": model, "data.eval": project.eval_data}
    target = path or project.root / ".mlops-gate" / "evidence.json"
    write_evidence(target, build_evidence(report, inputs))
    return target


def _has_baseline(project: Project) -> bool:
    return "baseline:" in project.policy.read_text(encoding="utf-8")


def verify_for(evidence: Path, policy: Path, model: Path) -> VerifiedEvidence:
    """`verify_evidence` as promote calls it: the policy loaded now, its inputs recomputed."""
    from mlops_gate.engine.inputs import shipped_inputs
    from mlops_gate.evidence import verify_evidence
    from mlops_gate.gates.registry import load_policy

    loaded = load_policy(policy)
    return verify_evidence(evidence, loaded, shipped_inputs(loaded, model))
