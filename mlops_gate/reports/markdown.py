"""A reviewer-ready Markdown report; every value from data or models is escaped."""

from __future__ import annotations

from html import escape

from mlops_gate.render.escape import markdown_text
from mlops_gate.render.formatting import (
    VARIANTS_NOTE,
    VERDICT_ICONS,
    by_severity,
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
from mlops_gate.render.pieces import Breakdown
from mlops_gate.report import CheckReport
from mlops_gate.reports import pieces
from mlops_gate.results import GateResult, Verdict

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
    gates = by_severity(report.gates)  # what needs the reader first, as in every report
    lines += gate_table(gates)
    notes = [gate for gate in gates if gate.verdict is not Verdict.PASS and gate.message]
    if notes:
        lines += ["", "### Details", ""]
        for gate in notes:
            message = markdown_text(gate.message, limit=1000)
            lines.append(f"- **{markdown_text(gate.id)}** ({gate.verdict.value}): {message}")
    lines += variants_section(report)
    lines += breakdowns(gates)
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


# The gate table's columns; a column no gate fills (no champion on a first run, no threshold on
# any gate) is left out, and a gate without a value in a kept column gets an empty cell, not "—",
# so the eye lands on the numbers that exist (issue 17).
HEADER = ("gate", "value", "threshold", "champion", "Δ", "verdict")
ALIGN = ("---", "---:", "---:", "---:", "---:", "---")
ALWAYS = (0, 5)  # the gate and its verdict


def gate_table(gates: list[GateResult]) -> list[str]:
    """Markdown table lines for `gates`, in the order given (the caller puts failures first)."""
    rows = [_cells(gate) for gate in gates]
    keep = [i for i in range(len(HEADER)) if i in ALWAYS or any(row[i] for row in rows)]
    return [
        "| " + " | ".join(HEADER[i] for i in keep) + " |",
        "|" + "|".join(ALIGN[i] for i in keep) + "|",
        *("| " + " | ".join(row[i] for i in keep) + " |" for row in rows),
    ]


def _cells(gate: GateResult) -> tuple[str, ...]:
    def blank(text: str) -> str:
        return "" if text == "—" else text

    return (
        markdown_text(gate.id),
        blank(measured(gate, gate.value)),
        blank(markdown_text(threshold(gate))),
        blank(measured(gate, gate.baseline_value)),
        blank(delta(gate)),
        f"{VERDICT_ICONS[gate.verdict]} {gate.verdict.value}",
    )


def breakdowns(gates: list[GateResult], max_rows: int | None = None) -> list[str]:
    """Each gate's breakdown table, folded under `<details>` so the gate table stays on top.

    The gate type's module builds the table (`reports/pieces.py`): PSI per column for drift, rates
    per group for bias, whatever a plugin's type brings. `max_rows` keeps the leading rows of each
    table (the gate puts the most important first) and says how many were left out, so a wide data
    set cannot blow a comment's size limit.
    """
    lines: list[str] = []
    for gate in gates:
        table = pieces.breakdown(gate)
        if table is None:
            continue
        summary = f"{markdown_text(gate.id)}: {escape(table.title)}"
        rows = _table(table)
        shown = rows if max_rows is None else rows[: max_rows + 2]
        lines += ["", f"<details><summary>{summary}</summary>", "", *shown]
        if len(shown) < len(rows):
            lines += ["", f"_… and {len(rows) - len(shown)} more (see the HTML report)_"]
        lines += ["", "</details>"]
    return lines


def _table(table: Breakdown) -> list[str]:
    """A Markdown table: the first column names the row; numbers are right-aligned, text left.

    A column no row fills (`tpr` for a demographic-parity gate on groups without positives) is
    left out rather than shown as a column of dashes.
    """
    keep = [
        i
        for i in range(len(table.header))
        if i == 0 or any(i < len(row) and row[i] not in (None, "") for row in table.rows)
    ]

    def align(i: int) -> str:  # numbers right, text (an output, a reason) left
        cells = [row[i] for row in table.rows if i < len(row) and row[i] not in (None, "")]
        numeric = all(isinstance(c, int | float) and not isinstance(c, bool) for c in cells)
        return "---:" if i and numeric else "---"

    return [
        "| " + " | ".join(markdown_text(table.header[i]) for i in keep) + " |",
        "|" + "|".join(align(i) for i in keep) + "|",
        *(
            "| " + " | ".join(_cell(row[i] if i < len(row) else None) for i in keep) + " |"
            for row in table.rows
        ),
    ]


def _cell(value: object) -> str:
    if value is None:
        return "—"  # undefined (e.g. a group's TPR without positive labels)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"  # a count, not a measurement: no decimals
    if isinstance(value, float):
        return number(value)
    return markdown_text(value)
