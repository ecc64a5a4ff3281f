"""`size` gate: bytes on disk of each shipped artifact (ONNX external data included).

Only a model that loads is measured: a 0-byte or garbage `.onnx` would otherwise pass at 0 MB
(issue 13). After its external-data files are located (a location outside the model's folder is
refused before anything opens it), the gate asks the context for the model (`context.model()`,
which opens it in ONNX Runtime, or unpickles a trusted sklearn model) and reports its one-line
load error as `error`; the load is shared with the other gates. `max_mb`/`warn_mb` are inclusive limits,
compared with a tolerance of a few ulps (`gates/base.py`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig

if TYPE_CHECKING:
    from mlops_gate.gates.context import GateContext
    from mlops_gate.results import GateResult

BYTES_PER_MB = 1_000_000


class Config(GateConfig):
    """Artifact size in MB (1 MB = 1,000,000 bytes), of a model that loads (else `error`).

    `max_mb`/`warn_mb` are inclusive: a size equal to `max_mb` passes.
    """

    type: Literal["size"]
    max_mb: float = Field(
        gt=0, description="Fail above this many megabytes (10^6 bytes; inclusive)."
    )
    warn_mb: float | None = Field(default=None, gt=0, description="Warn above this many megabytes.")

    requires = frozenset({"model"})

    @model_validator(mode="after")
    def _warn_below_max(self) -> Config:
        if self.warn_mb is not None and self.warn_mb > self.max_mb:
            raise ValueError("warn_mb is greater than max_mb")
        return self


def evaluate(config: Config, context: GateContext) -> GateResult:
    """Gate on the largest artifact: its file plus every external-data file it references."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.base import verdict_at_most
    from mlops_gate.results import GateResult

    paths = context.artifact_paths()
    if not paths:
        raise GateError("size: the policy has no model artifact to measure")
    # External-data locations are checked (and unsafe ones refused) before ONNX Runtime opens the
    # model; a model that then does not load is an error, not 0 MB that passes.
    artifacts = [_measure_artifact(path) for path in paths]
    context.model("model")
    largest = max(artifacts, key=lambda artifact: int(artifact["bytes"]))
    size_bytes = int(largest["bytes"])
    value = size_bytes / BYTES_PER_MB
    details: dict[str, Any] = {
        "bytes": size_bytes,
        "artifacts": artifacts,
        "comparator": "≤",
        "unit": "MB",
    }
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=verdict_at_most(value, config.max_mb, config.warn_mb),
        value=value,
        threshold=config.max_mb,
        message=f"{Path(str(largest['path'])).name}: {value:.4g} MB (max {config.max_mb:g} MB)",
        details=details,
    )


def _measure_artifact(path: Path) -> dict[str, Any]:
    """`{path, bytes}` for one artifact; ONNX models add their `external_data` files."""
    entry: dict[str, Any] = {"path": str(path), "bytes": _file_size(path)}
    if path.suffix.lower() != ".onnx":
        return entry
    files = _external_files(path)
    sizes = [_file_size(file) for file in files]
    if files:
        entry["external_data"] = [
            {"path": str(file), "bytes": size} for file, size in zip(files, sizes, strict=True)
        ]
        entry["bytes"] += sum(sizes)
    return entry


def _external_files(model_path: Path) -> list[Path]:
    """The model's external-data files, each counted once (two names for one file: once).

    Read without `onnx`; a location outside the model's folder (symlinks followed) is refused:
    a model must not make a loader read arbitrary files, and ONNX Runtime refuses them too.
    """
    from mlops_gate.loaders.onnx_external import external_data_files

    return list(dict.fromkeys(file.resolve() for file in external_data_files(model_path)))


def _file_size(path: Path) -> int:
    from mlops_gate.errors import InputError

    try:
        if path.is_dir():
            raise InputError(f"{path}: artifact is a directory, expected a file")
        return os.path.getsize(path)
    except FileNotFoundError:
        raise InputError(f"{path}: artifact not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the artifact's size: {exc.strerror}") from None
