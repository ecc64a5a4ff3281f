"""An MLflow model folder's `MLmodel` file is untrusted YAML: malformed is one line, exit 2.

The folder as it lies after a download (`registry_source.model_file` for build sources, the
model file `registry.uris` picks for check); the download itself is tested against a real
server in tests/integration/artifacts/test_registry_untrusted.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_gate.artifacts.registry_source import model_file
from mlops_gate.errors import ExitCode, InputError
from mlops_gate.registry.uris import read_flavours

URI = "runs:/0123abcd/model"


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"flavors: [unclosed\n", "is not readable YAML"),
        (b"flavors:\n  onnx: {data: model.onnx\n", "is not readable YAML"),
        (b"\xff\xfe\x00garbage", "is not readable YAML"),
        (b"!!python/object/apply:os.system ['true']\n", "is not readable YAML"),
        (b"flavors: 3\n", "is malformed (`flavors` is not a mapping)"),
        (b"- just\n- a list\n", "is malformed (`flavors` is not a mapping)"),
    ],
)
def test_a_malformed_mlmodel_is_one_input_error(content: bytes, why: str, tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_bytes(content)
    (tmp_path / "model.onnx").write_bytes(b"unused")
    for read in (
        lambda: read_flavours(tmp_path / "MLmodel", URI),
        lambda: model_file(tmp_path, URI),
    ):
        with pytest.raises(InputError) as caught:
            read()
        assert str(caught.value).startswith(f"{URI}: its MLmodel file {why}")
        assert "\n" not in str(caught.value)
        assert caught.value.exit_code == ExitCode.UNDECIDED


def test_a_well_formed_mlmodel_names_its_flavours(tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_text("flavors:\n  onnx: {data: model.onnx}\n", encoding="utf-8")
    (tmp_path / "model.onnx").write_bytes(b"x")
    assert read_flavours(tmp_path / "MLmodel", URI) == {"onnx": {"data": "model.onnx"}}
    assert model_file(tmp_path, URI) == ("onnx", (tmp_path / "model.onnx").resolve())
    assert read_flavours(tmp_path / "absent", URI) == {}
