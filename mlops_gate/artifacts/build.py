"""`mlops-gate build`: source model → `model.onnx`, its quantized variants, `image/`, `build.json`.

Everything is written into a staging folder beside `--out` and moved into place at the end, so an
interrupted build leaves the previous output (or nothing), never half of one. A non-empty `--out`
is refused unless `force`. The image itself is built only where a container engine exists and
only for artifacts a passing evidence file vouches for (or with `force`); with no engine, one line
says so and the context is the artifact (exit 0).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate import paths
from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.errors import InputError
from mlops_gate.evidence import passing_evidence_sha
from mlops_gate.fsutil import atomic_write_text, sha256_file
from mlops_gate.loaders.locate import is_registry_uri
from mlops_gate.loaders.manifest import FLOAT_FILE, read_manifest, write_manifest
from mlops_gate.policy.model import ArtifactsSpec, ImageSpec

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.artifacts.export import Exported
    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.policy.loader import LoadedPolicy


@dataclass
class BuildResult:
    out: Path
    manifest: dict[str, Any]
    lines: list[str] = field(default_factory=list)


def build(
    loaded: LoadedPolicy,
    out: Path,
    *,
    force: bool = False,
    push: bool = False,
    image: bool = True,
    evidence: Path | None = paths.EVIDENCE,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> BuildResult:
    """Build every artifact of the policy into `out`; see the module docstring."""
    from mlops_gate.engine.context import EvaluationContext

    _check_out(out, force)
    context = EvaluationContext(loaded, timeout=timeout)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    try:
        manifest = _build_into(staging, loaded, context, timeout)
        write_manifest(staging, manifest)
        _replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result = BuildResult(out=out, manifest=manifest, lines=_summary(out, manifest))
    if image:
        result.lines.append(build_image_from(out, evidence, force=force, push=push))
    return result


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: --out exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise InputError(f"{out}: folder is not empty; refusing to overwrite it (use --force)")


def _build_into(
    staging: Path, loaded: LoadedPolicy, context: EvaluationContext, timeout: float
) -> dict[str, Any]:
    from mlops_gate.artifacts.onnx_file import save

    policy = loaded.policy
    spec = policy.artifacts or ArtifactsSpec()
    exported = _export(loaded, context, spec, timeout)
    float_path = staging / FLOAT_FILE
    save(exported.model, float_path)
    artifacts = [_entry("float", "float", float_path, exported.seconds)]
    artifacts += _variants(staging, float_path, spec, context, exported.features)
    image_spec = spec.image or ImageSpec()
    image_info = _write_image(staging, loaded, image_spec, artifacts)
    return _manifest(loaded, exported, artifacts, image_spec, image_info)


def _export(
    loaded: LoadedPolicy, context: EvaluationContext, spec: ArtifactsSpec, timeout: float
) -> Exported:
    from mlops_gate.artifacts.export import ExportRequest, export_file

    policy = loaded.policy
    source = spec.source or policy.model
    if source is None:
        raise InputError(f"{loaded.path}: nothing to build: set artifacts.source or model.path")
    features = context.features()
    request = ExportRequest(
        frame=_sample_frame(context, features),
        features=features,
        opset=spec.onnx.opset if spec.onnx else 17,
        task=context.task,
        torch_output=spec.onnx.torch_output if spec.onnx else "logits",
        classes=list(policy.model.classes) if policy.model and policy.model.classes else None,
    )
    if is_registry_uri(source.path):
        from mlops_gate.artifacts.registry_source import fetch

        found = fetch(loaded, source.path, timeout)
        return export_file(found.path, source.trust, request, origin=found.info())
    return export_file(loaded.resolve(source.path), source.trust, request)


def _sample_frame(context: EvaluationContext, features: list[str]) -> pd.DataFrame:
    """Rows that show the feature columns' types (a float frame when the policy names no data)."""
    import pandas as pd

    data = context.policy.data
    for name in ("reference", "eval"):
        if getattr(data, name) is not None:
            return context.dataset(name).head(1000)
    return pd.DataFrame({column: pd.Series([], dtype="float32") for column in features})


def _variants(
    staging: Path,
    float_path: Path,
    spec: ArtifactsSpec,
    context: EvaluationContext,
    features: list[str],
) -> list[dict[str, Any]]:
    from mlops_gate.artifacts.compare import compare_to_float
    from mlops_gate.artifacts.quantize import quantize

    data = context.policy.data
    calibration = context.dataset("reference") if data.reference else None
    check_frame = context.dataset("eval") if data.eval else calibration
    entries = []
    for quant in spec.quantize_variants():
        target = staging / f"model.{quant.variant}.onnx"
        made = quantize(float_path, quant, target, calibration=calibration, features=features)
        entry = _entry(made.name, made.method, target, made.seconds)
        if check_frame is not None:
            entry["vs_float"] = compare_to_float(
                float_path, target, check_frame, features, task=context.task, target=data.target
            )
        entries.append(entry)
    return entries


def _entry(name: str, method: str, path: Path, seconds: float) -> dict[str, Any]:
    return {
        "variant": name,
        "method": method,
        "file": path.name,
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "seconds": round(seconds, 3),
    }


def _write_image(
    staging: Path, loaded: LoadedPolicy, spec: ImageSpec, artifacts: list[dict[str, Any]]
) -> dict[str, Any]:
    from mlops_gate.artifacts.image import ImageLabels, write_context
    from mlops_gate.artifacts.onnx_file import artifact_files
    from mlops_gate.evidence import git_commit

    served = next((a for a in artifacts if a["variant"] == (spec.variant or "float")), None)
    if served is None:
        known = ", ".join(a["variant"] for a in artifacts)
        raise InputError(f"artifacts.image.variant '{spec.variant}' is not built (built: {known})")
    labels = ImageLabels(
        model_sha256=served["sha256"],
        policy=loaded.policy.name,
        git_sha=git_commit(),
        evidence_sha256=None,
    )
    write_context(staging / "image", artifact_files(staging / served["file"]), spec, labels)
    tag = f"{spec.name or loaded.policy.name}:{spec.tag or served['sha256'][:12]}"
    return {
        "runtime": spec.runtime,
        "context": "image",
        "serves": served["variant"],
        "tag": tag,
        "labels": labels.as_dict(),
    }


def _manifest(
    loaded: LoadedPolicy,
    exported: Exported,
    artifacts: list[dict[str, Any]],
    spec: ImageSpec,
    image: dict[str, Any],
) -> dict[str, Any]:
    from mlops_gate import __version__
    from mlops_gate.artifacts.metadata import input_specs, plain
    from mlops_gate.artifacts.opset import default_opset

    return {
        "schema": 1,
        "tool_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "policy": {"name": loaded.policy.name, "path": str(loaded.path), "sha256": loaded.sha256},
        "source": exported.source,
        "opset": default_opset(exported.model),
        "inputs": [s.to_json() for s in input_specs(exported.model)],
        "features": exported.features,
        "classes": [plain(c) for c in exported.classes] if exported.classes is not None else None,
        "export_seconds": round(exported.seconds, 3),
        "artifacts": artifacts,
        "image": image,
    }


def _replace(staging: Path, out: Path) -> None:
    """Move the finished build to `out` by renames; the old output goes only once replaced."""
    if out.exists():
        trash = out.with_name(f".{out.name}.old-{datetime.now(UTC):%Y%m%d%H%M%S%f}")
        out.rename(trash)
        staging.rename(out)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        staging.rename(out)


def _summary(out: Path, manifest: dict[str, Any]) -> list[str]:
    lines = []
    for item in manifest["artifacts"]:
        delta = item.get("vs_float", {})
        extra = ""
        if delta:
            extra = f", agreement {delta.get('agreement', float('nan')):.4f} vs float"
            if "metric_delta" in delta:
                extra += f", {delta['metric']} {delta['metric_delta']:+.4f}"
            if not delta.get("finite", True):
                extra += ", NON-FINITE outputs (its gates will fail it)"
        lines.append(f"{out / item['file']}: {item['variant']}, {item['bytes']:,} bytes{extra}")
    lines.append(
        f"{out / 'image'}: {manifest['image']['runtime']} context, tag {manifest['image']['tag']}"
    )
    return lines


def build_image_from(
    out: Path, evidence: Path | None, *, force: bool = False, push: bool = False
) -> str:
    """Build the image of an existing build folder; returns the one line to print.

    Refused (a line, not an error) unless passing evidence names one of the built artifacts'
    sha256, or `force`. The evidence file's sha256 goes into the image's label.
    """
    from mlops_gate.artifacts.engine import build_image, detect

    manifest = read_manifest(out)
    engine = detect()
    if engine is None:
        return (
            "no container engine (docker buildx, podman or buildah) found: image not built; "
            f"the context is {out / 'image'}"
        )
    shas = {a["sha256"] for a in manifest["artifacts"]}
    evidence_sha = passing_evidence_sha(evidence, shas)
    if evidence_sha is None and not force:
        return (
            f"image not built: no passing evidence for these artifacts in {evidence} "
            "(run check, or --force)"
        )
    if evidence_sha:
        _label_evidence(out / "image" / "Dockerfile", evidence_sha)
    tag = manifest["image"]["tag"]
    build_image(engine, out / "image", tag, push=push)
    return f"built {tag} with {engine.name}" + (" and pushed it" if push else "")


def _label_evidence(dockerfile: Path, sha: str) -> None:
    from mlops_gate.artifacts.image import LABEL_PREFIX

    text = dockerfile.read_text(encoding="utf-8")
    old = f'{LABEL_PREFIX}.evidence.sha256="none"'
    atomic_write_text(dockerfile, text.replace(old, f'{LABEL_PREFIX}.evidence.sha256="{sha}"'))
