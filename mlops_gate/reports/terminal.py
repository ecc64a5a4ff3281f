"""The terminal view: a rich table of gates, a line per problem, and the final verdict.

Every string that came from the policy, data or a model goes through `_safe`: rich markup
escaped, and control, bidi and line-break characters shown as `\\x1b`-style text (issue 13,
item 5), so a column name cannot colour or clear the terminal, reorder a line, or start a line of
its own in a CI log (`::error ...` is a workflow command in GitHub Actions). Lines that carry
such text are printed with `soft_wrap`, so rich never breaks them where the text could begin one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table

from mlops_gate.progress import Advance
from mlops_gate.render.escape import visible
from mlops_gate.render.formatting import (
    VARIANTS_NOTE,
    counts,
    delta,
    measured,
    threshold,
    variant_cell,
    variant_header,
    variant_problems,
    variants_summary,
)
from mlops_gate.report import CheckReport
from mlops_gate.results import Verdict

_STYLES = {
    Verdict.PASS: "green",
    Verdict.WARN: "yellow",
    Verdict.FAIL: "bold red",
    Verdict.ERROR: "bold magenta",
    Verdict.SKIP: "dim",
}
_STYLE_BY_NAME = {"pass": "green", "fail": "bold red", "error": "bold magenta"}
_FINAL = {
    "pass": ("PASS", "bold green"),
    "fail": ("FAIL", "bold red"),
    "error": ("COULD NOT DECIDE", "bold magenta"),
}


def _safe(text: object) -> str:
    """Untrusted text for rich: no markup, no control or bidi characters, one line."""
    return escape(visible(text))


def render(report: CheckReport, console: Console, exit_code: int | None = None) -> None:
    """The gate table and a line per problem; with `exit_code`, the final line too."""
    has_baseline = any(g.baseline_value is not None for g in report.gates)
    table = Table(
        title=f"mlops-gate · {_safe(report.policy_name)}", title_justify="left", expand=False
    )
    table.add_column("gate", no_wrap=True)
    table.add_column("value", justify="right")
    table.add_column("threshold", justify="right")
    if has_baseline:
        table.add_column("baseline", justify="right")
        table.add_column("Δ", justify="right")
    table.add_column("verdict")
    table.add_column("time", justify="right", style="dim")
    for gate in report.gates:
        cells = [_safe(gate.id), _safe(measured(gate, gate.value)), _safe(threshold(gate))]
        if has_baseline:
            cells += [_safe(measured(gate, gate.baseline_value)), delta(gate)]
        took = "cached" if gate.cached else f"{gate.duration_s:.2f}s"
        cells += [f"[{_STYLES[gate.verdict]}]{gate.verdict.value}[/]", took]
        table.add_row(*cells)
    console.print(table)
    for gate in report.gates:
        if gate.verdict is not Verdict.PASS and gate.message:
            console.print(
                f"[{_STYLES[gate.verdict]}]{gate.verdict.value}[/] {_safe(gate.id)}: "
                f"{_safe(gate.message)}",
                soft_wrap=True,
            )
    if report.variants:
        _variants(report, console)
    if exit_code is not None:
        final_line(report, console, exit_code)


def final_line(report: CheckReport, console: Console, exit_code: int) -> None:
    """The last line: the verdict, the counts and the command's exit code (which a failed side
    effect may have made 2 although the gates passed: then it says so)."""
    label, style = _FINAL[report.verdict]
    reused = sum(gate.cached for gate in report.gates)
    from_cache = f", {reused} from cache (--no-cache to re-run them)" if reused else ""
    artifacts = f"; {variants_summary(report.variants)}" if report.variants else ""
    console.print(
        f"[{style}]{label}[/] {_safe(report.policy_name)}: {counts(report.gates)}"
        f"{_safe(artifacts)} in {report.duration_s:.1f} s{from_cache} (exit {exit_code})",
        soft_wrap=True,
    )


def _variants(report: CheckReport, console: Console) -> None:
    """A column per artifact (float first), a verdict row, and each variant's problems."""
    table = Table(title="artifacts", title_justify="left", expand=False)
    table.add_column("gate", no_wrap=True)
    for variant in report.variants:
        table.add_column(_safe(variant_header(variant)), justify="right")
    for index, gate_id in enumerate(gate.id for gate in report.gates):
        cells = [
            _safe(variant_cell(v, v.gates[index], first=i == 0))
            for i, v in enumerate(report.variants)
        ]
        table.add_row(_safe(gate_id), *cells)
    table.add_row(
        "verdict", *(f"[{_STYLE_BY_NAME[v.verdict]}]{v.verdict}[/]" for v in report.variants)
    )
    console.print(table)
    for name, gate in variant_problems(report.variants):
        console.print(
            f"[{_STYLES[gate.verdict]}]{gate.verdict.value}[/] {_safe(name)} "
            f"{_safe(gate.id)}: {_safe(gate.message)}",
            soft_wrap=True,
        )
    console.print(f"[dim]{_safe(VARIANTS_NOTE)}[/]")


class TerminalProgress:
    """Progress bars on stderr for loading data, predicting and timing runs; gone when done."""

    def __init__(self, console: Console) -> None:
        self.console = console

    @contextmanager
    def task(self, description: str, total: float | None = None) -> Iterator[Advance]:
        columns = [
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
        ]
        with RichProgress(*columns, console=self.console, transient=True) as bar:
            task_id = bar.add_task(description, total=total)
            yield lambda amount: bar.advance(task_id, amount)
