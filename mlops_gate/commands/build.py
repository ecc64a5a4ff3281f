"""`mlops-gate build`: export the policy's model to ONNX, quantize it, write the image context.

The command is the artifacts part's `build` itself (docs/build.md): it takes the loaded policy
and returns a `BuildResult` whose lines the CLI prints.
"""

from __future__ import annotations

from mlops_gate.artifacts.build import BuildResult, build

__all__ = ["BuildResult", "build"]
