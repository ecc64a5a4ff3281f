"""The one place a command's exit code is decided from its verdict and side effects (issue 12)."""

from __future__ import annotations

import pytest

from mlops_gate.commands.outcome import SideEffect, final_exit_code

FAILED = SideEffect("post the report", ok=False)
DONE = SideEffect("record the run", ok=True)
OPTIONAL = SideEffect("record the run", ok=False, required=False)


@pytest.mark.parametrize(
    ("verdict", "effects", "code"),
    [
        (0, [], 0),
        (0, [DONE], 0),
        (0, [DONE, FAILED], 2),  # a pass that cannot be acted upon as asked: undecided
        (0, [OPTIONAL], 0),  # a side effect nobody required never changes a decided verdict
        (1, [FAILED], 1),  # failure wins over "could not decide"
        (2, [FAILED], 2),
        (3, [FAILED], 3),
    ],
)
def test_final_exit_code(verdict: int, effects: list[SideEffect], code: int) -> None:
    assert final_exit_code(verdict, effects) == code
