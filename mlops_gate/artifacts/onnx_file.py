"""Reading an existing `.onnx` file safely, and writing artifacts.

An ONNX file may keep its weights in "external data" files named by a relative `location`. A
location that is absolute or climbs out of the model's folder (`../../etc/passwd`) would make the
loader read — and `build` copy into an image — any file on the machine, so it is refused before
any external byte is read. The rule and the reading of locations belong to
`mlops_gate.loaders.onnx_external` (no `onnx` import needed there).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlops_gate.errors import InputError
from mlops_gate.loaders.files import check_readable
from mlops_gate.loaders.onnx_external import check_location as check_location
from mlops_gate.loaders.onnx_external import external_data_files

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
    external = external_data_files(path)  # refused outside the folder, before any byte is read
    try:
        onnx.checker.check_model(str(path))
    except Exception as exc:  # onnx.checker.ValidationError and friends
        raise InputError(f"{path}: onnx.checker rejected the model ({_first_line(exc)})") from None
    if external:
        onnx.load_external_data_for_model(model, str(path.parent))
    return model


def save(model: Any, path: Path) -> None:
    """Write `model` to `path`; weights past protobuf's 2 GiB limit go to `<name>.data`."""
    import onnx

    path.parent.mkdir(parents=True, exist_ok=True)
    if model.ByteSize() < _PROTOBUF_LIMIT:
        path.write_bytes(model.SerializeToString())
        return
    onnx.save_model(model, str(path), save_as_external_data=True, location=f"{path.name}.data")


def artifact_files(path: Path) -> list[Path]:
    """`path` and the external-data files it names (what must ship together), without `onnx`."""
    return [path, *external_data_files(path)]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
