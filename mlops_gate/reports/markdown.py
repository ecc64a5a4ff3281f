"""A reviewer-ready Markdown report; every value from data or models is escaped."""

from __future__ import annotations

from mlops_gate.report import CheckReport
from mlops_gate.reports.escape import markdown_text
from mlops_gate.reports.formatting import VERDICT_ICONS, counts, delta, number, threshold
from mlops_gate.results import GateResult, Verdict

_HEADLINES = {"pass": "✅ **PASS**", "fail": "❌ **FAIL**", "error": "⛔ **COULD NOT DECIDE**"}


def render(report: CheckReport) -> str:
    lines = [
        f"## mlops-gate · {markdown_text(report.policy_name)}",
        "",
        f"{_HEADLINES[report.verdict]} — {counts(report.gates)} (exit {int(report.exit_code)}, "
        f"{report.duration_s:.1f} s)",
        "",
    ]
    if report.model_sha256:
        lines += [f"Model `{report.model_sha256[:12]}` · policy `{report.policy_sha256[:12]}`", ""]
    lines += [
        "| gate | value | threshold | baseline | Δ | verdict |",
        "|---|---:|---:|---:|---:|---|",
    ]
    lines += [_row(gate) for gate in report.gates]
    notes = [gate for gate in report.gates if gate.verdict is not Verdict.PASS and gate.message]
    if notes:
        lines += ["", "### Details", ""]
        lines += [f"- **{markdown_text(g.id)}** ({g.verdict.value}): {markdown_text(g.message, limit=1000)}" for g in notes]
    lines += _breakdowns(report.gates)
    return "\n".join(lines) + "\n"


def _row(gate: GateResult) -> str:
    cells = [
        markdown_text(gate.id),
        number(gate.value),
        markdown_text(threshold(gate)),
        number(gate.baseline_value),
        delta(gate),
        f"{VERDICT_ICONS[gate.verdict]} {gate.verdict.value}",
    ]
    return "| " + " | ".join(cells) + " |"


def _breakdowns(gates: list[GateResult]) -> list[str]:
    """Per-column drift and per-group fairness, folded so the table stays on top."""
    lines: list[str] = []
    for gate in gates:
        table = gate.details.get("columns") if gate.type == "drift" else gate.details.get("groups")
        if not isinstance(table, dict) or not table:
            continue
        title = "PSI per column" if gate.type == "drift" else "per-group rates"
        lines += ["", f"<details><summary>{markdown_text(gate.id)}: {title}</summary>", ""]
        if gate.type == "drift":
            lines += ["| column | PSI |", "|---|---:|"]
            ranked = sorted(table.items(), key=lambda kv: -float(kv[1]))
            lines += [f"| {markdown_text(col)} | {number(float(psi))} |" for col, psi in ranked]
        else:
            keys = sorted({k for stats in table.values() if isinstance(stats, dict) for k in stats})
            lines += ["| group | " + " | ".join(keys) + " |", "|---|" + "---:|" * len(keys)]
            for group, stats in table.items():
                values = [_cell(stats.get(k)) if isinstance(stats, dict) else "" for k in keys]
                lines.append(f"| {markdown_text(group)} | " + " | ".join(values) + " |")
        lines += ["", "</details>"]
    return lines


def _cell(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return markdown_text(value)
    if isinstance(value, int | float):
        return number(float(value))
    return markdown_text(value)
