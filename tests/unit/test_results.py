"""How verdicts become one exit code (DESIGN.md "Exit codes")."""

from __future__ import annotations

import pytest

from mlops_gate.errors import ExitCode
from mlops_gate.results import GateResult, Verdict, overall_exit_code


def _gates(*verdicts: str, internal: bool = False) -> list[GateResult]:
    return [
        GateResult(
            id=f"g{i}", type="t", verdict=Verdict(v), internal_error=internal and v == "error"
        )
        for i, v in enumerate(verdicts)
    ]


@pytest.mark.parametrize(
    ("verdicts", "code"),
    [
        (("pass",), ExitCode.PASS),
        (("pass", "warn"), ExitCode.PASS),
        (("pass", "skip"), ExitCode.PASS),
        (("pass", "fail"), ExitCode.FAIL),
        (("error", "fail"), ExitCode.FAIL),  # failure wins over error
        (("pass", "error"), ExitCode.UNDECIDED),
        (("skip",), ExitCode.UNDECIDED),  # zero gates evaluated is 2, never 0
        ((), ExitCode.UNDECIDED),
    ],
)
def test_exit_codes(verdicts: tuple[str, ...], code: ExitCode) -> None:
    assert overall_exit_code(_gates(*verdicts)) == code


def test_internal_error_is_3_unless_a_gate_failed() -> None:
    assert overall_exit_code(_gates("pass", "error", internal=True)) == ExitCode.INTERNAL
    assert overall_exit_code(_gates("fail", "error", internal=True)) == ExitCode.FAIL
