"""`onnx_external` on hostile input: corrupt bytes, odd files, locations leading out."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import onnx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_gate.errors import InputError
from mlops_gate.loaders import onnx_external
from mlops_gate.loaders.onnx_external import external_data_files, external_data_locations
from tests.unit.loaders.onnx_models import (
    catch,
    externalise,
    field,
    finishes,
    key,
    parses,
    reference_locations,
    rich_model,
    small_external_model,
    varint,
    write,
)


def test_every_truncation_is_an_error_or_what_protobuf_reads(tmp_path: Path) -> None:
    data = small_external_model()
    for end in range(len(data)):
        path = write(tmp_path, data[:end])
        parsed = parses(data[:end])
        if parsed is None:
            with pytest.raises(InputError, match=r"model\.onnx: not a loadable ONNX model"):
                external_data_locations(path)
        else:
            assert external_data_locations(path) == reference_locations(parsed)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_give_a_list_or_an_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), data)
        outcome = catch(lambda: external_data_locations(path))
        if isinstance(outcome, InputError):
            assert str(outcome).startswith(f"{path}: ")
            assert "\n" not in str(outcome)
            return
        assert isinstance(outcome, list), outcome
        parsed = parses(data)
        assert parsed is None or outcome == reference_locations(parsed)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (key(7, 2) + b"\xff" * 11, "longer than 10 bytes"),
        (key(7, 2) + varint(2**62), "runs past the end"),
        (key(7, 2), "runs past the end"),
        (key(7, 1) + b"\0\0", "runs past the end"),
        (key(7, 3), "wire type 3"),
        (key(0, 0) + b"\0", "invalid field key"),
        (varint(2**40), "invalid field key"),
    ],
)
def test_corrupt_numbers_are_refused(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        external_data_locations(write(tmp_path, data))


def test_nesting_deeper_than_protobuf_allows_is_refused(tmp_path: Path) -> None:
    graph = onnx.GraphProto(name="leaf").SerializeToString()
    for _ in range(200):  # graph > node > attribute `g` > graph ...
        graph = field(1, field(5, field(6, graph)))
    data = field(7, graph)
    with pytest.raises(InputError, match="nested deeper than 100"):
        external_data_locations(write(tmp_path, data))


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "directory"])
def test_what_is_not_a_regular_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "model.onnx"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev_zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    error = finishes(lambda: external_data_locations(path))
    assert isinstance(error, InputError)
    assert "not a regular file" in str(error)


def test_a_file_over_the_protobuf_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    with path.open("wb") as handle:
        handle.truncate(onnx_external.MAX_MODEL_BYTES + 1)  # sparse: no disk used
    error = finishes(lambda: external_data_locations(path))
    assert isinstance(error, InputError)
    assert "2 GiB" in str(error)


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        external_data_locations(tmp_path / "absent.onnx")


# --- external_data_files: containment ---------------------------------------------------------


def _pointing_at(folder: Path, *locations: str) -> Path:
    model = rich_model()
    tensors = [model.graph.initializer[0], model.graph.node[0].attribute[0].t]
    for tensor, location in zip(tensors, locations, strict=False):
        externalise(tensor, location)
    folder.mkdir(parents=True, exist_ok=True)
    return write(folder, model)


@pytest.fixture
def inner(tmp_path: Path) -> Path:
    (tmp_path / "outside.bin").write_bytes(b"\0" * 16)
    (tmp_path / "m" / "sub").mkdir(parents=True)
    (tmp_path / "m" / "w.bin").write_bytes(b"\0" * 16)
    (tmp_path / "m" / "sub" / "c.bin").write_bytes(b"\0" * 16)
    return tmp_path / "m"


def test_files_inside_the_folder_keep_their_names(inner: Path) -> None:
    path = _pointing_at(inner, "w.bin", "sub/c.bin")
    assert external_data_files(path) == [inner / "w.bin", inner / "sub" / "c.bin"]
    same = _pointing_at(inner, "w.bin", "./w.bin")
    assert external_data_files(same) == [inner / "w.bin"]


@pytest.mark.parametrize(
    "location",
    ["../outside.bin", "../../etc/passwd", "/etc/passwd", "sub/../../outside.bin", "link.bin"],
)
def test_locations_leading_out_of_the_folder_are_refused(inner: Path, location: str) -> None:
    (inner / "link.bin").symlink_to(inner.parent / "outside.bin")
    path = _pointing_at(inner, location)
    with pytest.raises(
        InputError, match=r"refused: external data '.*' points outside the model's folder"
    ):
        external_data_files(path)


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("", "refused: external data location '' names no file"),
        ("a\0b", "refused: external data location .* names no file"),
        ("gone.bin", "external data file 'gone.bin' not found next to the model"),
        ("sub", "external data file 'sub' is not a regular file"),
        ("fifo", "external data file 'fifo' is not a regular file"),
        ("loop", "points outside the model's folder"),
    ],
)
def test_unusable_locations_are_refused(inner: Path, location: str, message: str) -> None:
    os.mkfifo(inner / "fifo")
    (inner / "loop").symlink_to(inner / "loop")
    path = _pointing_at(inner, location)
    error = finishes(lambda: external_data_files(path))
    assert isinstance(error, InputError)
    assert str(error).startswith(f"{path}: ")
    assert re.search(message, str(error)), str(error)
