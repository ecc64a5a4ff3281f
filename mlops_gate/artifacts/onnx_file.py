"""Reading an existing `.onnx` file safely, and writing artifacts.

An ONNX file may keep its weights in "external data" files named by a relative `location`. A
location that is absolute or climbs out of the model's folder (`../../etc/passwd`) would make the
loader read — and `build` copy into an image — any file on the machine, so it is refused before
any external byte is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlops_gate.errors import InputError
from mlops_gate.loaders.files import check_readable

# protobuf cannot serialise one message past 2 GiB; larger models keep their weights beside them.
_PROTOBUF_LIMIT = 2**31 - 2**24


def load_checked(path: Path) -> Any:
    """The model at `path`, after `onnx.checker` and the external-data containment check."""
    import onnx

    check_readable(path, "ONNX model")
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf's DecodeError, onnx's own errors: the file is not ONNX
        raise InputError(f"{path}: not a readable ONNX model ({_first_line(exc)})") from None
    external = list(external_locations(model))
    for location in external:
        check_location(path, location)
    try:
        onnx.checker.check_model(str(path))
    except Exception as exc:  # onnx.checker.ValidationError and friends
        raise InputError(f"{path}: onnx.checker rejected the model ({_first_line(exc)})") from None
    if external:
        onnx.load_external_data_for_model(model, str(path.parent))
    return model


def external_locations(model: Any) -> Iterator[str]:
    """The `location` of every tensor stored as external data, subgraphs included."""
    for tensor in _tensors(model.graph):
        if tensor.data_location == 1:  # TensorProto.EXTERNAL
            entries = {entry.key: entry.value for entry in tensor.external_data}
            yield entries.get("location", "")


def check_location(model_path: Path, location: str) -> None:
    """Refuse an external-data location outside the model's own folder."""
    folder = model_path.parent.resolve()
    if not location or Path(location).is_absolute():
        raise InputError(
            f"{model_path}: refused: external data location '{location}' is not relative"
        )
    target = (folder / location).resolve()
    if not target.is_relative_to(folder):
        raise InputError(
            f"{model_path}: refused: external data '{location}' points outside the model's "
            f"folder {folder}"
        )
    if not target.is_file():
        raise InputError(
            f"{model_path}: external data file '{location}' not found next to the model"
        )


def _tensors(graph: Any) -> Iterator[Any]:
    yield from graph.initializer
    for sparse in graph.sparse_initializer:
        yield sparse.values
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                yield attribute.t
            yield from attribute.tensors
            if attribute.HasField("g"):
                yield from _tensors(attribute.g)
            for subgraph in attribute.graphs:
                yield from _tensors(subgraph)


def save(model: Any, path: Path) -> None:
    """Write `model` to `path`; weights past protobuf's 2 GiB limit go to `<name>.data`."""
    import onnx

    path.parent.mkdir(parents=True, exist_ok=True)
    if model.ByteSize() < _PROTOBUF_LIMIT:
        path.write_bytes(model.SerializeToString())
        return
    onnx.save_model(model, str(path), save_as_external_data=True, location=f"{path.name}.data")


def artifact_files(path: Path) -> list[Path]:
    """`path` and the external-data files it names (what must ship together)."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    extra = sorted({path.parent / location for location in external_locations(model)})
    return [path, *extra]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
