"""Which files an ONNX model reads besides itself ("external data"), without importing `onnx`.

A tensor whose `data_location` is EXTERNAL keeps its bytes in the file its `external_data` entry
`location` names. The protobuf wire format is walked directly (`onnx` is not a base dependency and
is slow to import): varints and length-delimited fields only, `raw_data` never copied (memoryview
slices), field numbers from onnx.proto (the tests check them against the installed `onnx`). As in
protobuf, repeated occurrences of a singular message merge, an unknown enum value leaves
`data_location` unchanged, and a field of an unexpected wire type is unknown. Tensors come in
`onnx.external_data_helper`'s order (initializers, subgraphs' included, then attribute tensors), plus
those `onnx` never externalises (sparse tensors, function attribute defaults, training graphs).

The file is untrusted: not a regular file, over protobuf's 2 GiB limit, truncated, corrupt or
nested past protobuf's recursion limit is an `InputError` naming it; a location that is empty,
absolute or leads out of the model's folder (`../x`, a symlink) is refused.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mlops_gate.errors import InputError

MAX_MODEL_BYTES = 2**31 - 1  # protobuf refuses to parse a message of 2 GiB or more
MAX_DEPTH = 100  # protobuf's default recursion limit: ONNX Runtime refuses deeper models too

# onnx.proto field numbers
MODEL_GRAPH, MODEL_TRAINING_INFO, MODEL_FUNCTIONS = 7, 20, 25
TRAINING_INITIALIZATION, TRAINING_ALGORITHM = 1, 2
GRAPH_NODE, GRAPH_INITIALIZER, GRAPH_SPARSE_INITIALIZER = 1, 5, 15
NODE_ATTRIBUTE = 5
FUNCTION_NODE, FUNCTION_ATTRIBUTE_PROTO = 7, 11
ATTR_T, ATTR_G, ATTR_TENSORS, ATTR_GRAPHS, ATTR_SPARSE, ATTR_SPARSES = 5, 6, 10, 11, 22, 23
TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION = 13, 14
ENTRY_KEY, ENTRY_VALUE = 1, 2
SPARSE_VALUES, SPARSE_INDICES = 1, 2
EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL (DEFAULT is 0)

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5

# One message as the chunks protobuf merges into it (a singular field may occur several times).
Message = Callable[[], Iterable[memoryview]]


class _Malformed(Exception):
    """The bytes are not a protobuf message (the reason is the exception's text)."""


@dataclass
class _Found:
    initializers: dict[str, None] = field(default_factory=dict)
    attributes: dict[str, None] = field(default_factory=dict)


def external_data_locations(path: Path) -> list[str]:
    """Distinct `location`s of every externally stored tensor in the model, first seen first."""
    data = _read(path)
    try:
        found = _Found()
        _model(_one(memoryview(data)), found)
    except _Malformed as exc:
        raise InputError(f"{path}: not a loadable ONNX model ({exc})") from None
    except RecursionError:  # MAX_DEPTH keeps well below Python's limit; a safety net
        raise InputError(f"{path}: not a loadable ONNX model (nested too deeply)") from None
    return list(dict.fromkeys([*found.initializers, *found.attributes]))


def external_data_files(path: Path) -> list[Path]:
    """The external-data files of the model at `path` (`folder / location`, names kept), each
    checked by `check_location`: inside the model's folder, and a regular file."""
    files = (check_location(path, location) for location in external_data_locations(path))
    return list(dict.fromkeys(files))


def check_location(model_path: Path, location: str) -> Path:
    """`model_path`'s folder / `location`; refused unless it stays inside that folder once
    symlinks are followed (ONNX Runtime refuses such paths too) and is an existing regular file."""
    folder = model_path.parent
    shown = repr(location)[:200]
    if not location or "\0" in location:
        raise InputError(f"{model_path}: refused: external data location {shown} names no file")
    target = folder / location
    try:
        inside = not Path(location).is_absolute() and target.resolve().is_relative_to(
            folder.resolve()
        )
    except (OSError, RuntimeError):  # a symlink loop, a name too long: nothing to read there
        inside = False
    if not inside:
        raise InputError(
            f"{model_path}: refused: external data {shown} points outside the model's folder "
            f"{folder.absolute()}"
        )
    if not target.is_file():
        what = "is not a regular file" if os.path.lexists(target) else "not found next to the model"
        raise InputError(f"{model_path}: external data file {shown} {what}")
    return target


def _read(path: Path) -> bytes:
    """The file's bytes, read once; never a FIFO or device, never more than its size."""
    try:
        _check_regular(path, os.stat(path))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            _check_regular(path, info)  # it may have been swapped since the stat above
            return handle.read(info.st_size)
    except FileNotFoundError:
        raise InputError(f"{path}: model file not found") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise InputError(f"{path}: cannot read the model file ({reason})") from None


def _check_regular(path: Path, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: refused: not a regular file (a FIFO, device or directory)")
    if info.st_size > MAX_MODEL_BYTES:
        raise InputError(f"{path}: {info.st_size} bytes: over protobuf's 2 GiB limit for ONNX")


def _model(model: Message, found: _Found) -> None:
    _graph(_merged(model, MODEL_GRAPH, 0), 1, found)
    for function in _each(model, MODEL_FUNCTIONS, 0):
        message = _one(function)
        for node in _each(message, FUNCTION_NODE, 1):
            _node(_one(node), 2, found)
        for attribute in _each(message, FUNCTION_ATTRIBUTE_PROTO, 1):
            _attribute(_one(attribute), 2, found)
    for training in _each(model, MODEL_TRAINING_INFO, 0):
        for number in (TRAINING_INITIALIZATION, TRAINING_ALGORITHM):
            _graph(_merged(_one(training), number, 1), 2, found)


def _graph(graph: Message, depth: int, found: _Found) -> None:
    """Initializers first (onnx's order), then the nodes' attributes and subgraphs."""
    for number, value in _len_fields(graph, depth):
        if number == GRAPH_INITIALIZER:
            _tensor(_one(value), depth + 1, found.initializers)
        elif number == GRAPH_SPARSE_INITIALIZER:
            _sparse(_one(value), depth + 1, found.initializers)
    for node in _each(graph, GRAPH_NODE, depth):
        _node(_one(node), depth + 1, found)


def _node(node: Message, depth: int, found: _Found) -> None:
    for attribute in _each(node, NODE_ATTRIBUTE, depth):
        _attribute(_one(attribute), depth + 1, found)


def _attribute(attribute: Message, depth: int, found: _Found) -> None:
    """`t`, `tensors`, the sparse ones, then the subgraphs `g` and `graphs` (onnx's order)."""
    present = {number for number, _value in _len_fields(attribute, depth)}
    if ATTR_T in present:
        _tensor(_merged(attribute, ATTR_T, depth), depth + 1, found.attributes)
    for tensor in _each(attribute, ATTR_TENSORS, depth) if ATTR_TENSORS in present else ():
        _tensor(_one(tensor), depth + 1, found.attributes)
    if ATTR_SPARSE in present:
        _sparse(_merged(attribute, ATTR_SPARSE, depth), depth + 1, found.attributes)
    for sparse in _each(attribute, ATTR_SPARSES, depth) if ATTR_SPARSES in present else ():
        _sparse(_one(sparse), depth + 1, found.attributes)
    if ATTR_G in present:
        _graph(_merged(attribute, ATTR_G, depth), depth + 1, found)
    for graph in _each(attribute, ATTR_GRAPHS, depth) if ATTR_GRAPHS in present else ():
        _graph(_one(graph), depth + 1, found)


def _sparse(sparse: Message, depth: int, into: dict[str, None]) -> None:
    for number in (SPARSE_VALUES, SPARSE_INDICES):
        _tensor(_merged(sparse, number, depth), depth + 1, into)


def _tensor(tensor: Message, depth: int, into: dict[str, None]) -> None:
    """Add the tensor's `location` to `into` when it is stored externally."""
    location_kind, entries = 0, []
    for number, value in _fields(tensor, depth):
        if number == TENSOR_DATA_LOCATION and isinstance(value, int):
            kind = value & 0xFFFFFFFF  # protobuf reads an enum as int32
            location_kind = kind if kind in (0, EXTERNAL) else location_kind
        elif number == TENSOR_EXTERNAL_DATA and isinstance(value, memoryview):
            entries.append(value)
    if location_kind != EXTERNAL:
        return
    location = ""
    for entry in entries:  # like onnx's ExternalDataInfo: the last `location` entry wins
        strings = dict(_len_fields(_one(entry), depth + 1))
        if bytes(strings.get(ENTRY_KEY, b"")) == b"location":
            location = bytes(strings.get(ENTRY_VALUE, b"")).decode("utf-8", "surrogateescape")
    into.setdefault(location, None)


def _one(chunk: memoryview) -> Message:
    return lambda: (chunk,)


def _merged(parent: Message, number: int, depth: int) -> Message:
    """The singular message field `number` of `parent`: all its occurrences, merged."""
    return lambda: _each(parent, number, depth)


def _each(parent: Message, number: int, depth: int) -> Iterator[memoryview]:
    for chunk in _chunks(parent, depth):
        for found, value in _chunk_fields(chunk):
            if found == number and isinstance(value, memoryview):
                yield value


def _len_fields(message: Message, depth: int) -> Iterator[tuple[int, memoryview]]:
    return ((number, v) for number, v in _fields(message, depth) if isinstance(v, memoryview))


def _fields(message: Message, depth: int) -> Iterator[tuple[int, int | memoryview]]:
    """(field number, value) of every varint and length-delimited field (fixed-size ones skipped)."""
    for chunk in _chunks(message, depth):
        yield from _chunk_fields(chunk)


def _chunks(message: Message, depth: int) -> Iterable[memoryview]:
    if depth > MAX_DEPTH:
        raise _Malformed(f"messages nested deeper than {MAX_DEPTH} levels")
    return message()


def _chunk_fields(data: memoryview) -> Iterator[tuple[int, int | memoryview]]:
    pos, end = 0, len(data)
    while pos < end:
        key = data[pos]  # one byte for fields 1-15: the common case, without a call
        key, pos = (key, pos + 1) if key < 0x80 else _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0 or key > 0xFFFFFFFF:
            raise _Malformed(f"invalid field key {key}")
        if wire == _LEN:
            length, pos = _varint(data, pos)
            if length > end - pos:
                raise _Malformed("a field's length runs past the end: truncated or corrupt")
            yield number, data[pos : pos + length]
            pos += length
        elif wire == _VARINT:
            value, pos = _varint(data, pos)
            yield number, value
        elif wire in (_I64, _I32):
            pos += 8 if wire == _I64 else 4
            if pos > end:
                raise _Malformed("a fixed-size field runs past the end: truncated or corrupt")
        else:
            raise _Malformed(f"wire type {wire} in field {number}: not an ONNX protobuf")


def _varint(data: memoryview, pos: int) -> tuple[int, int]:
    end = len(data)
    if pos < end and data[pos] < 0x80:
        return data[pos], pos + 1
    result = shift = 0
    while True:
        if pos >= end:
            raise _Malformed("a number runs past the end: truncated or corrupt")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7
        if shift >= 70:
            raise _Malformed("a number longer than 10 bytes: not a protobuf")
