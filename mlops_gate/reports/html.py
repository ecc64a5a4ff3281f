"""The HTML report: one self-contained file a reviewer can read at a glance.

Verdict banner, the gate table, then a section per gate with its charts as inline SVG, drawn by
its gate type's module (`reports/pieces.py`). Nothing is fetched when it is viewed: styles are
inline, there are no scripts, and a Content-Security-Policy forbids any load, so even a payload
that slipped past escaping could not reach the network. Every piece of text goes through
`html.escape`.
"""

from __future__ import annotations

from mlops_gate import __version__
from mlops_gate.render.charts_common import COLORS
from mlops_gate.render.escape import html_text as escape
from mlops_gate.render.formatting import (
    VARIANTS_NOTE,
    counts,
    delta,
    measured,
    threshold,
    variant_cell,
    variant_header,
    variants_summary,
)
from mlops_gate.report import CheckReport
from mlops_gate.reports import pieces
from mlops_gate.results import GateResult, Verdict

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_HEADLINES = {"pass": "PASS", "fail": "FAIL", "error": "COULD NOT DECIDE"}
_BANNER = {
    "pass": COLORS[Verdict.PASS],
    "fail": COLORS[Verdict.FAIL],
    "error": COLORS[Verdict.ERROR],
}
_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; }
main { max-width: 960px; margin: 0 auto; padding: 24px; }
.banner { color: #fff; padding: 20px 24px; border-radius: 8px; }
.banner h1 { margin: 0 0 4px; font-size: 26px; }
.banner p { margin: 0; opacity: .92; }
table { border-collapse: collapse; width: 100%; background: #fff; margin: 20px 0; }
th, td { border-bottom: 1px solid #d0d7de; padding: 6px 10px; text-align: left; }
td { vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { color: #fff; border-radius: 10px; padding: 1px 8px; font-size: 12px; white-space: nowrap; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; }
section { padding: 12px 16px; margin: 16px 0; }
section h2 { font-size: 17px; margin: 4px 0 8px; }
svg { display: block; max-width: 100%; height: auto; margin: 8px 0 16px; }
.meta { color: #57606a; font-size: 12px; }
code { font-size: 12px; }
"""


def render(report: CheckReport) -> str:
    """The whole report as one HTML document."""
    title = f"mlops-gate · {report.policy_name}: {_HEADLINES[report.verdict]}"
    sections = [_section(gate) for gate in report.gates]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body><main>",
            _banner(report),
            _table(report.gates),
            _variants(report),
            *(section for section in sections if section),
            _footer(report),
            "</main></body>",
            "</html>",
            "",
        ]
    )


def _banner(report: CheckReport) -> str:
    facts = [counts(report.gates) or "no gates", f"exit code {int(report.exit_code)}"]
    if report.variants:
        facts.insert(1, variants_summary(report.variants))
    if report.model_sha256:
        facts.append(f"model {report.model_sha256[:12]}")
    if report.baseline_uri:
        facts.append(f"champion {report.baseline_uri}")
    return (
        f'<div class="banner" style="background:{_BANNER[report.verdict]}">'
        f"<h1>{escape(_HEADLINES[report.verdict])} · {escape(report.policy_name)}</h1>"
        f"<p>{escape(' · '.join(facts))}</p></div>"
    )


def _table(gates: list[GateResult]) -> str:
    head = "".join(
        f"<th>{name}</th>"
        for name in ("gate", "value", "threshold", "champion", "Δ", "verdict", "message")
    )
    rows = []
    for gate in gates:
        cells = [
            f"<td><code>{escape(gate.id)}</code></td>",
            f'<td class="num">{escape(measured(gate, gate.value))}</td>',
            f'<td class="num">{escape(threshold(gate))}</td>',
            f'<td class="num">{escape(measured(gate, gate.baseline_value))}</td>',
            f'<td class="num">{escape(delta(gate))}</td>',
            f"<td>{_badge(gate.verdict)}</td>",
            f"<td>{escape(gate.message)}</td>",
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _variants(report: CheckReport) -> str:
    """`check --artifacts`: a column per artifact and a verdict row (empty without variants)."""
    if not report.variants:
        return ""
    head = "<th>gate</th>" + "".join(
        f"<th>{escape(variant_header(v))}</th>" for v in report.variants
    )
    rows = []
    for index, gate in enumerate(report.gates):
        cells = "".join(
            f'<td class="num">{escape(variant_cell(v, v.gates[index], first=i == 0))}</td>'
            for i, v in enumerate(report.variants)
        )
        rows.append(f"<tr><td><code>{escape(gate.id)}</code></td>{cells}</tr>")
    verdicts = "".join(f"<td>{_badge(Verdict(v.verdict))}</td>" for v in report.variants)
    rows.append(f"<tr><td>verdict</td>{verdicts}</tr>")
    return (
        f'<section><h2>Artifacts</h2><p class="meta">{escape(VARIANTS_NOTE)}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _section(gate: GateResult) -> str:
    """The gate's charts under its verdict, facts and message (nothing for a gate without charts)."""
    charts = pieces.charts(gate)
    if not charts:
        return ""
    facts = " · ".join(pieces.facts(gate))
    return (
        f"<section><h2><code>{escape(gate.id)}</code> {_badge(gate.verdict)}</h2>"
        + (f'<p class="meta">{escape(facts)}</p>' if facts else "")
        + (f"<p>{escape(gate.message)}</p>" if gate.message else "")
        + "".join(charts)
        + "</section>"
    )


def _badge(verdict: Verdict) -> str:
    return (
        f'<span class="badge" style="background:{COLORS[verdict]}">{escape(verdict.value)}</span>'
    )


def _footer(report: CheckReport) -> str:
    parts = [f"mlops-gate {__version__}", f"policy {report.policy_path}"]
    if report.policy_sha256:
        parts.append(f"sha256 {report.policy_sha256[:12]}")
    if report.started_at:
        parts.append(f"started {report.started_at}")
    parts.append(f"{report.duration_s:.1f} s")
    return f'<p class="meta">{escape(" · ".join(parts))}</p>'
