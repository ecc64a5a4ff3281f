"""Registry URI forms (issue #4, item 1); resolution itself is tested against a real server."""

from __future__ import annotations

import pytest

from mlops_gate.errors import InputError
from mlops_gate.loaders.locate import is_registry_uri
from mlops_gate.registry.uris import RegistryUri, parse_uri


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "models:/fraud@champion",
            RegistryUri("models:/fraud@champion", "alias", name="fraud", alias="champion"),
        ),
        (
            "models:/fraud.v2/3",
            RegistryUri("models:/fraud.v2/3", "version", name="fraud.v2", version="3"),
        ),
        (
            "runs:/0a1b2c/model",
            RegistryUri("runs:/0a1b2c/model", "run", run_id="0a1b2c", artifact_path="model"),
        ),
        (
            "runs:/abc/sub/model.onnx",
            RegistryUri(
                "runs:/abc/sub/model.onnx", "run", run_id="abc", artifact_path="sub/model.onnx"
            ),
        ),
    ],
)
def test_accepted_forms(value: str, expected: RegistryUri) -> None:
    assert is_registry_uri(value)
    assert parse_uri(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "models:/fraud",
        "models:/fraud/latest",
        "models:/fraud@",
        "models:/a/b@c",
        "runs:/abc",
        "runs:/abc/../x",
        "models:/fraud@champ ion",
    ],
)
def test_other_forms_name_the_accepted_ones(value: str) -> None:
    with pytest.raises(InputError, match=r"not a registry URI .*models:/<name>@<alias>"):
        parse_uri(value)


def test_plain_paths_are_not_registry_uris() -> None:
    assert not is_registry_uri("models/model.onnx")
    assert not is_registry_uri("s3://bucket/model.onnx")
