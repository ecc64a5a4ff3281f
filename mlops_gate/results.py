"""Verdicts, gate results and how a set of results becomes one exit code."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from mlops_gate.errors import ExitCode

ADVISORY_NOTE = "advisory run (--exit-zero): exit 0 whatever the verdict; no evidence for promote"
"""What every output of an advisory check says (issue 17, item 5): the terminal, and each report
where `CheckReport.advisory` (results JSON: `"advisory": true`) is set. The verdict and the
results JSON's `exit_code` stay the gates' own; only the command's exit status is 0."""

SELECTED_NOTE = "only the selected gates ran (--select): no evidence for promote"
"""What a report says when `CheckReport.selected` (results JSON: `"selected": [...]`) is set."""


class Verdict(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"
    SKIP = "skip"


@dataclass(frozen=True)
class GateResult:
    """One gate's outcome, exactly the `gates[]` entry of the results JSON."""

    id: str
    type: str
    verdict: Verdict
    value: float | None = None
    threshold: float | None = None
    baseline_value: float | None = None
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    policy_line: int | None = None
    internal_error: bool = False
    cached: bool = False  # reused from .mlops-gate/cache: nothing it read has changed

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdict"] = self.verdict.value
        for flag in ("internal_error", "cached"):
            if not data[flag]:
                data.pop(flag)
        return data


def overall_exit_code(results: list[GateResult]) -> ExitCode:
    """DESIGN.md: failure wins over error; zero gates evaluated is 2; a bug is 3."""
    verdicts = {r.verdict for r in results}
    if Verdict.FAIL in verdicts:
        return ExitCode.FAIL
    if any(r.internal_error for r in results):
        return ExitCode.INTERNAL
    evaluated = verdicts - {Verdict.SKIP}
    if Verdict.ERROR in verdicts or not evaluated:
        return ExitCode.UNDECIDED
    return ExitCode.PASS


def overall_verdict(code: ExitCode) -> str:
    return {ExitCode.PASS: "pass", ExitCode.FAIL: "fail"}.get(code, "error")
