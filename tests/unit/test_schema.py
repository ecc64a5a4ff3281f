"""`mlops-gate schema` is a real JSON Schema that editors and CI linters can use on policies."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from mlops_gate import api
from tests.support import REPO

TEMPLATE = yaml.safe_load(
    (REPO / "mlops_gate" / "templates" / "mlops-gate.yaml").read_text(encoding="utf-8")
)


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(api.schema()))


def test_gate_definitions_have_readable_names() -> None:
    defs = json.loads(api.schema())["$defs"]
    assert {
        "MetricGate",
        "LatencyGate",
        "BiasGate",
        "SizeGate",
        "DriftGate",
        "ExpectationsGate",
    } <= set(defs)
    assert not [name for name in defs if "__" in name]


def test_starter_policy_is_valid_against_the_schema() -> None:
    assert list(_validator().iter_errors(TEMPLATE)) == []


@pytest.mark.parametrize(
    "broken",
    [
        {**TEMPLATE, "colour": "red"},
        {**TEMPLATE, "gates": [{"type": "nope"}]},
        {**TEMPLATE, "gates": [{"type": "drift", "max": "high"}]},
        {**TEMPLATE, "version": 2},
    ],
)
def test_schema_rejects_what_the_loader_rejects(broken: dict[str, object]) -> None:
    assert list(_validator().iter_errors(broken))
