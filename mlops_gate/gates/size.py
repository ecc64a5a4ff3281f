"""`size` gate: bytes on disk of each shipped artifact (ONNX external data included)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig

if TYPE_CHECKING:
    from mlops_gate.context import EvaluationContext
    from mlops_gate.results import GateResult

BYTES_PER_MB = 1_000_000
NO_ONNX_NOTE = "external data not checked: the `onnx` package is not installed (pip install onnx)"


class Config(GateConfig):
    """Artifact size in MB (1 MB = 1,000,000 bytes)."""

    type: Literal["size"]
    max_mb: float = Field(gt=0, description="Fail above this many megabytes (10^6 bytes).")
    warn_mb: float | None = Field(default=None, gt=0, description="Warn above this many megabytes.")

    requires = frozenset({"model"})

    @model_validator(mode="after")
    def _warn_below_max(self) -> Config:
        if self.warn_mb is not None and self.warn_mb > self.max_mb:
            raise ValueError("warn_mb is greater than max_mb")
        return self


def evaluate(config: Config, context: EvaluationContext) -> GateResult:
    """Gate on the largest artifact: its file plus every external-data file it references."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.base import verdict_at_most
    from mlops_gate.results import GateResult

    paths = context.artifact_paths()
    if not paths:
        raise GateError("size: the policy has no model artifact to measure")
    artifacts = [_measure_artifact(path) for path in paths]
    largest = max(artifacts, key=lambda artifact: int(artifact["bytes"]))
    size_bytes = int(largest["bytes"])
    value = size_bytes / BYTES_PER_MB
    details: dict[str, Any] = {
        "bytes": size_bytes,
        "artifacts": artifacts,
        "comparator": "≤",
        "unit": "MB",
    }
    if any(artifact.get("note") == NO_ONNX_NOTE for artifact in artifacts):
        details["note"] = NO_ONNX_NOTE
    return GateResult(
        id=config.id or config.default_id(),
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
    try:
        locations = _external_locations(path)
    except ImportError:
        entry["note"] = NO_ONNX_NOTE
        return entry
    files = _resolve_inside(path, locations)
    sizes = [_file_size(file) for file in files]
    if files:
        entry["external_data"] = [
            {"path": str(file), "bytes": size} for file, size in zip(files, sizes, strict=True)
        ]
        entry["bytes"] += sum(sizes)
    return entry


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


def _external_locations(path: Path) -> list[str]:
    """Distinct `location`s of tensors stored outside the model file (ImportError without onnx)."""
    import onnx

    from mlops_gate.errors import InputError

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf raises DecodeError, onnx its own types
        raise InputError(
            f"{path}: not a loadable ONNX model ({type(exc).__name__}: {exc})"
        ) from None
    locations: dict[str, None] = {}  # a dict keeps first-seen order, unlike a set
    for tensor in _all_tensors(model):
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            fields = {entry.key: entry.value for entry in tensor.external_data}
            if not fields.get("location"):
                raise InputError(
                    f"{path}: tensor '{tensor.name}' is external but names no location"
                )
            locations[fields["location"]] = None
    return list(locations)


def _all_tensors(model: Any) -> Iterator[Any]:
    """Every TensorProto that may be external: initializers, attributes, subgraphs, functions."""
    yield from _graph_tensors(model.graph)
    for function in model.functions:
        yield from _node_tensors(function.node)


def _graph_tensors(graph: Any) -> Iterator[Any]:
    yield from graph.initializer
    for sparse in graph.sparse_initializer:
        yield from (sparse.values, sparse.indices)
    yield from _node_tensors(graph.node)


def _node_tensors(nodes: Any) -> Iterator[Any]:
    for node in nodes:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                yield attribute.t
            yield from attribute.tensors
            if attribute.HasField("sparse_tensor"):
                yield from (attribute.sparse_tensor.values, attribute.sparse_tensor.indices)
            if attribute.HasField("g"):
                yield from _graph_tensors(attribute.g)
            for graph in attribute.graphs:
                yield from _graph_tensors(graph)


def _resolve_inside(model_path: Path, locations: list[str]) -> list[Path]:
    """External-data files; refused when one resolves (symlinks followed) outside the model folder.

    ONNX Runtime refuses such paths too: a model must not make a loader read arbitrary files.
    """
    from mlops_gate.errors import InputError

    folder = model_path.absolute().parent  # locations are relative to where the model file sits
    files = []
    for location in locations:
        resolved = (folder / location).resolve()
        if not resolved.is_relative_to(folder.resolve()):
            raise InputError(
                f"{model_path}: refused: external data location '{location}' resolves outside "
                f"the model's folder ({resolved})"
            )
        files.append(resolved)
    return list(dict.fromkeys(files))
