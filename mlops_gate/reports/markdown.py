"""A reviewer-ready Markdown report; every value from data or models is escaped."""

from __future__ import annotations

from mlops_gate.report import CheckReport
from mlops_gate.reports.escape import markdown_text
from mlops_gate.reports.formatting import (
    VARIANTS_NOTE,
    VERDICT_ICONS,
    counts,
    delta,
    measured,
    number,
    threshold,
    variant_cell,
    variant_header,
    variant_problems,
    variants_summary,
)
from mlops_gate.results import GateResult, Verdict

# The bias gate's per-group fields (DESIGN.md), in reading order; any others follow.
_GROUP_KEYS = ("rows", "selection_rate", "tpr", "fpr", "excluded")
_HEADLINES = {"pass": "✅ **PASS**", "fail": "❌ **FAIL**", "error": "⛔ **COULD NOT DECIDE**"}


def render(report: CheckReport) -> str:
    lines = [
        f"## mlops-gate · {markdown_text(report.policy_name)}",
        "",
        f"{_HEADLINES[report.verdict]} — {counts(report.gates)}"
        + (f"; {variants_summary(report.variants)}" if report.variants else "")
        + f" (exit {int(report.exit_code)}, {report.duration_s:.1f} s)",
        "",
    ]
    if report.model_sha256:
        lines += [f"Model `{report.model_sha256[:12]}` · policy `{report.policy_sha256[:12]}`", ""]
    lines += gate_table(report.gates)
    notes = [gate for gate in report.gates if gate.verdict is not Verdict.PASS and gate.message]
    if notes:
        lines += ["", "### Details", ""]
        for gate in notes:
            message = markdown_text(gate.message, limit=1000)
            lines.append(f"- **{markdown_text(gate.id)}** ({gate.verdict.value}): {message}")
    lines += variants_section(report)
    lines += breakdowns(report.gates)
    return "\n".join(lines) + "\n"


def variants_section(report: CheckReport) -> list[str]:
    """`check --artifacts`: a column per artifact, a verdict row, and the variants' problems."""
    if not report.variants:
        return []
    names = [markdown_text(variant_header(v)) for v in report.variants]
    lines = [
        "",
        "### Artifacts",
        "",
        f"_{markdown_text(VARIANTS_NOTE)}_",
        "",
        "| gate | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for index, gate in enumerate(report.gates):
        cells = [
            markdown_text(variant_cell(v, v.gates[index], first=i == 0))
            for i, v in enumerate(report.variants)
        ]
        lines.append(f"| {markdown_text(gate.id)} | " + " | ".join(cells) + " |")
    verdicts = [f"**{v.verdict}**" for v in report.variants]
    lines.append("| verdict | " + " | ".join(verdicts) + " |")
    problems = variant_problems(report.variants)
    if problems:
        lines.append("")
    for name, gate in problems:
        message = markdown_text(gate.message, limit=1000)
        lines.append(
            f"- **{markdown_text(name)}** {markdown_text(gate.id)} ({gate.verdict.value}): "
            f"{message}"
        )
    return lines


def gate_table(gates: list[GateResult], baseline_label: str = "baseline") -> list[str]:
    """The gate table: value, threshold, baseline (the champion), delta and verdict per gate."""
    header = f"| gate | value | threshold | {baseline_label} | Δ | verdict |"
    return [header, "|---|---:|---:|---:|---:|---|", *(_row(gate) for gate in gates)]


def _row(gate: GateResult) -> str:
    cells = [
        markdown_text(gate.id),
        measured(gate, gate.value),
        markdown_text(threshold(gate)),
        measured(gate, gate.baseline_value),
        delta(gate),
        f"{VERDICT_ICONS[gate.verdict]} {gate.verdict.value}",
    ]
    return "| " + " | ".join(cells) + " |"


def breakdowns(gates: list[GateResult], max_rows: int | None = None) -> list[str]:
    """Per-column drift and per-group fairness, folded so the table stays on top.

    `max_rows` keeps the most drifted columns (and the first groups) of each table, with a line
    saying how many were left out, so a wide data set cannot blow a comment's size limit.
    """
    lines: list[str] = []
    for gate in gates:
        table = gate.details.get("columns") if gate.type == "drift" else gate.details.get("groups")
        if gate.type not in ("drift", "bias") or not isinstance(table, dict) or not table:
            continue
        title = "PSI per column" if gate.type == "drift" else "per-group rates"
        lines += ["", f"<details><summary>{markdown_text(gate.id)}: {title}</summary>", ""]
        rows = _drift_rows(table) if gate.type == "drift" else _group_rows(table)
        shown = rows if max_rows is None else rows[: max_rows + 2]
        lines += shown
        if len(shown) < len(rows):
            lines += ["", f"_… and {len(rows) - len(shown)} more (see the HTML report)_"]
        lines += ["", "</details>"]
    return lines


def _drift_rows(columns: dict[str, object]) -> list[str]:
    ranked = sorted(columns.items(), key=lambda kv: -_sortable(kv[1]))
    return [
        "| column | PSI |",
        "|---|---:|",
        *(f"| {markdown_text(col)} | {_cell(psi)} |" for col, psi in ranked),
    ]


def _group_rows(groups: dict[str, object]) -> list[str]:
    seen = {k for stats in groups.values() if isinstance(stats, dict) for k in stats}
    keys = [k for k in _GROUP_KEYS if k in seen] + sorted(seen - set(_GROUP_KEYS))
    lines = [
        "| group | " + " | ".join(markdown_text(k) for k in keys) + " |",
        "|---|" + "---:|" * len(keys),
    ]
    for group, stats in groups.items():
        values = [_cell(stats.get(k)) if isinstance(stats, dict) else "" for k in keys]
        lines.append(f"| {markdown_text(group)} | " + " | ".join(values) + " |")
    return lines


def _sortable(value: object) -> float:
    """A PSI to rank by; anything that is not a number sorts last."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return float(value)
    return float("-inf")


def _cell(value: object) -> str:
    if value is None:
        return "—"  # undefined for this group (e.g. TPR without positive labels)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"  # a count, not a measurement: no decimals
    if isinstance(value, float):
        return number(value)
    return markdown_text(value)
