"""Charts GitHub draws in a PR comment without hosting anything: Mermaid `xychart-beta` blocks.

A gate type offers bars through its `points` piece (`reports/pieces.py`): drift its drifted
columns' PSI, each metric gate its change against the champion (merged into one chart). Labels
and titles come from data and policies, and Mermaid has its own syntax inside the fence: every
label keeps only letters, digits and ` _.:=/+()-` (no quote, backtick, bracket, comma, `<`, `>`,
newline, no `-->` or fence), is clipped, and is written in double quotes.
"""

from __future__ import annotations

import math
import re

from mlops_gate.render.formatting import by_severity
from mlops_gate.render.pieces import Points
from mlops_gate.render.ticks import nice_ticks
from mlops_gate.reports import pieces
from mlops_gate.results import GateResult

MAX_CHARTS = 3
MAX_BARS = 15
LABEL_CHARS = 24
_UNSAFE = re.compile(r"[^\w .:=/+()-]")  # no `%`: `%%` opens a Mermaid comment
_DASHES = re.compile(r"-{2,}")
# A fixed directive (no data in it): charts a third of Mermaid's default height, so two of them
# do not push the details below the first screen.
CONFIG = '%%{init: {"xyChart": {"width": 640, "height": 260}}}%%'


def label(text: object, limit: int = LABEL_CHARS) -> str:
    """`text` as an inert, double-quoted Mermaid string."""
    clean = _DASHES.sub("-", _UNSAFE.sub("_", str(text))).strip() or "_"
    clean = clean if len(clean) <= limit else clean[: limit - 1] + "…"
    return f'"{clean}"'


def charts(gates: list[GateResult]) -> list[str]:
    """The Mermaid blocks for `gates`, failing gates' first, as lines (empty without points)."""
    merged: dict[str, Points] = {}
    for gate in by_severity(gates):
        found = pieces.points(gate)
        if found is None:
            continue
        before = merged.get(found.title)
        if before is None:
            merged[found.title] = found
        else:
            labels, values = before.labels + found.labels, before.values + found.values
            merged[found.title] = Points(before.title, before.axis, labels, values, before.limit)
    lines: list[str] = []
    for points in list(merged.values())[:MAX_CHARTS]:
        lines += block(points)
    return lines


def block(points: Points) -> list[str]:
    """One `xychart-beta` fenced block: bars, and a line at the limit when there is one."""
    pairs = [
        (name, value)
        for name, value in zip(points.labels, points.values, strict=False)
        if math.isfinite(value)
    ][:MAX_BARS]
    if not pairs:
        return []
    values = [value for _, value in pairs]
    limit = points.limit if points.limit is not None and math.isfinite(points.limit) else None
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values, *([limit] if limit else [])]))
    lines = [
        "",
        "```mermaid",
        CONFIG,
        "xychart-beta",
        f"    title {label(points.title, 60)}",
        "    x-axis [" + ", ".join(label(name) for name, _ in pairs) + "]",
        f"    y-axis {label(points.axis, 20)} {ticks[0]:g} --> {ticks[-1]:g}",
        "    bar [" + ", ".join(f"{value:.4g}" for value in values) + "]",
    ]
    if limit is not None:
        lines.append("    line [" + ", ".join(f"{limit:.4g}" for _ in pairs) + "]")
    return [*lines, "```"]
