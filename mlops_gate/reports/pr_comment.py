"""The sticky pull-request comment (and job summary): verdict, gate table, changes, breakdowns.

Everything that comes from data, a model or the PR goes through `escape.markdown_text`. The body is
kept under GitHub's 65,536-character limit by dropping whole lines from the end of the optional
sections (never inside a table row or an escape), closing any open `<details>`, and saying so.
"""

from __future__ import annotations

import re
from dataclasses import replace

from mlops_gate import __version__
from mlops_gate.render.escape import markdown_text
from mlops_gate.render.formatting import (
    VERDICT_ICONS,
    by_severity,
    counts,
    delta,
    measured,
    number,
    variants_summary,
)
from mlops_gate.report import CheckReport
from mlops_gate.reports import mermaid, snapshot
from mlops_gate.reports.markdown import breakdowns, gate_table, variants_section
from mlops_gate.reports.snapshot import Snapshot
from mlops_gate.results import ADVISORY_NOTE, SELECTED_NOTE, GateResult, Verdict

COMMENT_LIMIT = 65_536
BREAKDOWN_ROWS = 30
TRUNCATION_NOTE = (
    "> ⚠️ **Truncated** to stay under GitHub's 65,536-character comment limit: "
    "the job summary and the HTML report have everything."
)
_HEADLINES = {"pass": "✅ PASS", "fail": "❌ FAIL", "error": "⛔ COULD NOT DECIDE"}
_SAFE_URL = re.compile(r"^https?://[A-Za-z0-9.:-]+(/[A-Za-z0-9._~/%#-]*)?$")
_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")


def render(
    report: CheckReport,
    *,
    previous: Snapshot | None = None,
    sha: str | None = None,
    report_url: str | None = None,
    sticky: bool = True,
    limit: int = COMMENT_LIMIT,
) -> str:
    """The comment body. `previous` is the snapshot read from the comment this one replaces.

    `sticky=False` leaves out the hidden marker and snapshot (for the job summary and check runs).
    `report_url` links the HTML report (`GitHubContext.report_url`: its artifact when known, else
    the workflow run whose artifacts hold it). Failing gates come first everywhere.
    """
    gates = by_severity(report.gates)
    head = [*_headline(report, sha), *_notices(report), "", *gate_table(gates)]
    head += variants_section(report) + mermaid.charts(gates)
    optional = _changes(report, previous) + _notes(gates) + breakdowns(gates, BREAKDOWN_ROWS)
    footer = ["", *_footer(report_url)]
    if sticky:
        footer += [snapshot.encode(Snapshot.of(report, sha))]
        head = [snapshot.marker(report.policy_name), *head]
    return fit(head, optional, footer, limit)


def fit(head: list[str], optional: list[str], footer: list[str], limit: int) -> str:
    """`head`, then as much of `optional` as fits in whole lines, then `footer`, under `limit`.

    Length is counted in UTF-16 code units, never less than GitHub's own character count.
    """
    closing = ["", TRUNCATION_NOTE, "```", *["</details>"] * 4]
    budget = limit - _size("\n".join([*footer, *closing])) - 64
    kept, used = _take(head, budget)
    truncated = len(kept) < len(head)
    if not truncated:
        more, _ = _take(optional, budget - used)
        kept += more
        truncated = len(more) < len(optional)
    if truncated:
        if sum(line.startswith("```") for line in kept) % 2:
            kept.append("```")  # a chart cut short: close its fence
        opened = sum(line.startswith("<details>") for line in kept)
        still_open = opened - sum(line == "</details>" for line in kept)
        kept += ["", *["</details>"] * max(0, still_open), "", TRUNCATION_NOTE]
    return "\n".join([*kept, *footer]) + "\n"


def _take(lines: list[str], budget: int) -> tuple[list[str], int]:
    """The leading lines of `lines` that fit in `budget`, and their size."""
    used = 0
    for index, line in enumerate(lines):
        if used + _size(line) + 1 > budget:
            return lines[:index], used
        used += _size(line) + 1
    return list(lines), used


def _size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _headline(report: CheckReport, sha: str | None) -> list[str]:
    facts = [f"**{counts(report.gates) or 'no gates'}**", f"exit {int(report.exit_code)}"]
    if report.variants:
        facts.insert(1, variants_summary(report.variants))
    if sha and _SHA.match(sha):
        facts.append(f"commit `{sha[:7]}`")
    if report.model_sha256:
        facts.append(f"model `{markdown_text(report.model_sha256[:12])}`")
    if report.baseline_uri:
        facts.append(f"champion {markdown_text(report.baseline_uri, limit=120)}")
    return [
        f"## {_HEADLINES[report.verdict]} · mlops-gate · {markdown_text(report.policy_name)}",
        "",
        " · ".join(facts),
    ]


def _changes(report: CheckReport, previous: Snapshot | None) -> list[str]:
    """What changed since the comment this one replaces: verdicts, values, gates in or out."""
    if previous is None:
        return []
    since = f" (`{previous.sha[:7]}`)" if previous.sha and _SHA.match(previous.sha) else ""
    lines = ["", f"### What changed since the previous push{since}", ""]
    if previous.verdict != report.verdict:
        lines.append(f"- **overall**: {_word(previous.verdict)} → {_word(report.verdict)}")
    current = {gate.id for gate in report.gates}
    for gate in report.gates:
        change = _gate_change(gate, previous.gates.get(gate.id))
        if change:
            lines.append(f"- **{markdown_text(gate.id)}**: {change}")
    lines += [
        f"- **{markdown_text(gid)}**: removed" for gid in previous.gates if gid not in current
    ]
    return lines if len(lines) > 3 else [*lines, "No verdict or value changed."]


def _gate_change(gate: GateResult, before: snapshot.GateSnapshot | None) -> str:
    if before is None:
        return f"new gate, {_icon(gate.verdict)}"
    parts = []
    if before.verdict is not gate.verdict:
        parts.append(f"{_icon(before.verdict)} → {_icon(gate.verdict)}")
    if number(before.value) != number(gate.value):
        diff = delta(replace(gate, baseline_value=before.value))
        unit = gate.details.get("unit")
        diff += f" {unit}" if unit and diff != "—" else ""
        parts.append(
            f"{measured(gate, before.value)} → {measured(gate, gate.value)}"
            + (f" ({diff})" if diff != "—" else "")
        )
    return ", ".join(parts)


def _notes(gates: list[GateResult]) -> list[str]:
    notes = [gate for gate in gates if gate.verdict is not Verdict.PASS and gate.message]
    if not notes:
        return []
    lines = ["", "### Details", ""]
    for gate in notes:
        message = markdown_text(gate.message, limit=1000)
        lines.append(f"- **{markdown_text(gate.id)}** ({_icon(gate.verdict)}): {message}")
    return lines


def _notices(report: CheckReport) -> list[str]:
    notes = [ADVISORY_NOTE] * report.advisory + [SELECTED_NOTE] * bool(report.selected)
    return ["", *(f"> ⚠️ **{markdown_text(note)}**" for note in notes)] if notes else []


def _footer(report_url: str | None) -> list[str]:
    lines = []
    if report_url and _SAFE_URL.match(report_url):
        where = (
            "the artifact, a zip download"
            if "/artifacts/" in report_url
            else "in the workflow run's artifacts"
        )
        lines += [f"📄 [Full HTML report]({report_url}) ({where})", ""]  # its own paragraph
    version = markdown_text(__version__)
    lines.append(
        f"<sub>mlops-gate {version} · this comment is updated in place on every push</sub>"
    )
    return lines


def _icon(verdict: Verdict) -> str:
    return f"{VERDICT_ICONS[verdict]} {verdict.value}"


def _word(verdict: str) -> str:
    return _HEADLINES.get(verdict, markdown_text(verdict))
