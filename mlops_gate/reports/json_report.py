"""The results JSON (DESIGN.md, "Verdicts and the results JSON") as a reporter."""

from __future__ import annotations

from mlops_gate.report import CheckReport


def render(report: CheckReport) -> str:
    """The report as `check --json` writes it."""
    return report.to_json_text()
