"""`mlops-gate build`: export the policy's model to ONNX, quantize it, write the image context."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate import paths
from mlops_gate.deadline import DEFAULT_TIMEOUT_S

if TYPE_CHECKING:
    from mlops_gate.artifacts.build import BuildResult
    from mlops_gate.policy.loader import LoadedPolicy


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
    """Export, quantize and write the serving image context into `out` (docs/build.md)."""
    from mlops_gate.artifacts.build import build as build_artifacts

    return build_artifacts(
        loaded, out, force=force, push=push, image=image, evidence=evidence, timeout=timeout
    )
