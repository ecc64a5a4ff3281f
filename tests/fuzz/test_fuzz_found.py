"""What the fuzzing found, each as a plain case that stays as a regression test (issue 13 item 7).

A case still open is marked `pytest.mark.xfail(strict=False, reason="issue 13: ...")` and has a
`KNOWN_FAILURES` entry in harness.py (which lets the fuzz tests look past it); when its owner
fixes it, the case passes (XPASS): delete both. All found so far are fixed.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fuzz.conftest import FuzzProject
from tests.fuzz.harness import assert_contract
from tests.fuzz.runners import run_forked
from tests.fuzz.strategies import base_policy, policy_yaml
from tests.support import binary_frame

pytestmark = [pytest.mark.fuzz, pytest.mark.integration]


def _duplicated_columns(*names: str) -> tuple[bytes, dict[str, bytes]]:
    """The base policy on an eval set (CSV, 40 rows) that has each of `names` twice."""
    frame = binary_frame(40, seed=3)
    header = ",".join([*frame.columns, *names])
    rows = [
        ",".join(map(str, [*row, *(row[name] for name in names)])) for _, row in frame.iterrows()
    ]
    policy: dict[str, Any] = base_policy()
    policy["data"]["eval"] = "eval.csv"
    table = "\n".join([header, *rows]) + "\n"
    return policy_yaml(policy).encode(), {"eval.csv": table.encode()}


NUL = b"version: 1\nname: x\x00\n"
LONG_PATH = f"""version: 1
name: x
model: {{path: model.onnx}}
data: {{eval: {"a" * 5000}, target: label}}
gates: [{{type: size, max_mb: 1}}]
""".encode()
VALIDATE = ["validate", "mlops-gate.yaml"]
CHECK = ["check", "mlops-gate.yaml", "--no-cache"]
FOUND = [
    pytest.param(NUL, {}, VALIDATE, id="NUL-validate"),
    pytest.param(NUL, {}, CHECK, id="NUL-check"),
    pytest.param(b"version: 1\nname: \x1b[31mred\n", {}, VALIDATE, id="ESC-C0"),
    pytest.param("version: 1\nname: \x9b31m\n".encode(), {}, VALIDATE, id="CSI-C1"),
    pytest.param(LONG_PATH, {}, VALIDATE, id="long-path-validate"),
    pytest.param(LONG_PATH, {}, CHECK, id="long-path-check"),
    pytest.param(*_duplicated_columns("f0"), CHECK, id="CSV-f0-twice"),
    pytest.param(*_duplicated_columns("group"), CHECK, id="CSV-group-twice"),
]


@pytest.mark.parametrize(("policy", "files", "args"), FOUND)
def test_found(
    fuzz_project: FuzzProject, policy: bytes, files: dict[str, bytes], args: list[str]
) -> None:
    with fuzz_project.workspace() as folder:
        (folder / "mlops-gate.yaml").write_bytes(policy)
        for name, content in files.items():
            (folder / name).write_bytes(content)
        outcome = run_forked(args, folder)
        assert_contract(outcome, f"policy: {policy[:300]!r}, files: {sorted(files)}")
