"""The HTML report: one self-contained file a reviewer can read at a glance.

Read top-down: the verdict banner, the gate table (which is also the table of contents: each gate
links to its section), then a section per gate, the failing and erroring gates first (then warn,
pass, skip; policy order within each), each with its charts as inline SVG or tables drawn by its
gate type's module (`reports/pieces.py`). An advisory run (`check --exit-zero`) says so under the
banner. Nothing is fetched when it is viewed: styles are
inline, there are no scripts, and a Content-Security-Policy forbids any load, so even a payload
that slipped past escaping could not reach the network. Every piece of text goes through
`html.escape`.
"""

from __future__ import annotations

from mlops_gate import __version__
from mlops_gate.render.charts_common import COLORS
from mlops_gate.render.escape import html_text as escape
from mlops_gate.render.formatting import (
    SEVERITY,
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
from mlops_gate.results import ADVISORY_NOTE, SELECTED_NOTE, GateResult, Verdict

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
a { color: inherit; }
.notice { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 8px; padding: 8px 16px;
  margin: 12px 0; font-weight: 600; }
table.expectations td { font-size: 13px; overflow-wrap: break-word; }
tr.bad td { background: #ffebe9; }
table.confusion { width: auto; }
table.confusion caption { text-align: left; font-weight: 600; padding: 4px 0; }
details { margin: 8px 0; }
summary { cursor: pointer; color: #0969da; }
"""


def render(report: CheckReport) -> str:
    """The whole report as one HTML document."""
    title = f"mlops-gate · {report.policy_name}: {_HEADLINES[report.verdict]}"
    order = ordered(report.gates)
    sections = [_section(index, gate) for index, gate in order]
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
            *_notices(report),
            _table(order),
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


def ordered(gates: list[GateResult]) -> list[tuple[int, GateResult]]:
    """(policy index, gate), failing and erroring first, then warn, pass and skip (stable)."""
    return sorted(enumerate(gates), key=lambda item: SEVERITY.get(item[1].verdict, 5))


def anchor(index: int) -> str:
    """The id of a gate's section: by position, since a gate id may hold any character."""
    return f"gate-{index + 1}"


def _notices(report: CheckReport) -> list[str]:
    """The advisory (`--exit-zero`) and selection (`--select`) notes, where they apply."""
    notes = [ADVISORY_NOTE] * report.advisory + [SELECTED_NOTE] * bool(report.selected)
    return [f'<p class="notice">{escape(note)}</p>' for note in notes]


def _table(gates: list[tuple[int, GateResult]]) -> str:
    head = "".join(
        f"<th>{name}</th>"
        for name in ("gate", "value", "threshold", "champion", "Δ", "verdict", "message")
    )
    rows = []
    for index, gate in gates:
        cells = [
            f'<td><a href="#{anchor(index)}"><code>{escape(gate.id)}</code></a></td>',
            f'<td class="num">{_blank(measured(gate, gate.value))}</td>',
            f'<td class="num">{_blank(threshold(gate))}</td>',
            f'<td class="num">{_blank(measured(gate, gate.baseline_value))}</td>',
            f'<td class="num">{_blank(delta(gate))}</td>',
            f"<td>{_badge(gate.verdict)}</td>",
            f"<td>{escape(gate.message)}</td>",
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _blank(text: str) -> str:
    """A missing number as an empty cell: a column of dashes draws the eye to nothing."""
    return "" if text == "—" else escape(text)


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


def _section(index: int, gate: GateResult) -> str:
    """The gate's charts under its verdict, facts and message; a passing gate without charts has
    none (the table says all there is), a failing one always has one (its message)."""
    charts = pieces.charts(gate)
    if not charts and (gate.verdict in (Verdict.PASS, Verdict.SKIP) or not gate.message):
        return ""
    facts = " · ".join(pieces.facts(gate))
    return (
        f'<section id="{anchor(index)}"><h2><code>{escape(gate.id)}</code> '
        f"{_badge(gate.verdict)}</h2>"
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
