"""`mlops-gate report`: re-render or post a report from a results JSON (no policy, no evidence)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_gate.commands.check import Outputs
    from mlops_gate.commands.delivery import Delivery
    from mlops_gate.report import CheckReport


@dataclass(frozen=True)
class ReportResult:
    report: CheckReport
    delivery: Delivery

    @property
    def exit_code(self) -> int:
        return self.delivery.exit_code


def load(results: Path, outputs: Outputs) -> CheckReport:
    """The report a results JSON holds, re-rendered into `outputs` (Markdown, HTML, JUnit)."""
    from mlops_gate.commands.check import write_outputs
    from mlops_gate.report_load import load_results

    loaded = load_results(results)
    write_outputs(loaded, replace(outputs, json=None, evidence=None), {})
    return loaded


def report(
    results: Path,
    outputs: Outputs,
    *,
    github: bool = False,
    pr_number: int | None = None,
    sha: str | None = None,
    timeout: float | None = None,
) -> ReportResult:
    """Re-render, and with `github` post the sticky comment and check run. No job summary: the
    check that wrote the results JSON already appended it."""
    from mlops_gate.commands.delivery import deliver

    loaded = load(results, outputs)
    delivery = deliver(
        loaded,
        comment=github,
        in_actions=False,
        report_path=outputs.html,
        pr_number=pr_number,
        sha=sha,
        timeout=timeout,
    )
    return ReportResult(loaded, delivery)
