"""What the fuzzing found, each as a plain case that stays as a regression test (issue 13 item 7).

A case still open is marked `xfail` with its reason and has a `KNOWN_FAILURES` entry in
harness.py (which lets the fuzz tests look past it); when its owner fixes it, the case passes
(XPASS): delete both.
"""

from __future__ import annotations

import pytest

from tests.fuzz.conftest import FuzzProject
from tests.fuzz.harness import KNOWN_FAILURES, assert_contract, run_forked

pytestmark = [pytest.mark.fuzz, pytest.mark.integration]


def _open(reason: str) -> pytest.MarkDecorator:
    assert reason in KNOWN_FAILURES.values(), "an open case needs its KNOWN_FAILURES entry"
    return pytest.mark.xfail(strict=False, reason=reason)


NUL = next(why for why in KNOWN_FAILURES.values() if "NUL" in why)
FOUND = [
    pytest.param(
        b"version: 1\nname: x\x00\n", {}, ["validate"], id="NUL-validate", marks=_open(NUL)
    ),
    pytest.param(b"version: 1\nname: x\x00\n", {}, ["check"], id="NUL-check", marks=_open(NUL)),
]


@pytest.mark.parametrize(("policy", "files", "args"), FOUND)
def test_found(
    fuzz_project: FuzzProject, policy: bytes, files: dict[str, bytes], args: list[str]
) -> None:
    with fuzz_project.workspace() as folder:
        (folder / "mlops-gate.yaml").write_bytes(policy)
        for name, content in files.items():
            (folder / name).write_bytes(content)
        assert_contract(run_forked([*args, "mlops-gate.yaml"], folder), repr(policy))
