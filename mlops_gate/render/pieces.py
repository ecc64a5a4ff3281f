"""The shapes a gate module hands the reporters for its own report pieces.

A gate type keeps its report pieces beside its `evaluate` (`charts`, `breakdown`, `facts`, found
by name on its module by `mlops_gate.reports.pieces`); the reporters only lay them out, so adding a
gate type never edits a reporter.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Breakdown:
    """A titled table folded under the gate table (Markdown `<details>`, the PR comment).

    `title` is a fixed phrase written by the gate's author ("PSI per column"); the reporter escapes
    it for HTML only. `header` names the columns; the first column names each row (left-aligned),
    the others hold its values (right-aligned). `rows` come most important first: a reporter short
    of room keeps the leading rows and says how many it left out. Cells are raw values (numbers,
    booleans, `None` for "undefined", text from data); the reporter formats and escapes them.
    """

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class Points:
    """Values a gate offers for a small chart in the PR comment (Mermaid `xychart-beta`).

    `title` is a fixed phrase by the gate's author and groups points across gates ("Δ vs the
    champion": every metric gate adds its bar to one chart). `labels` may come from data (the
    reporter makes them inert); `limit` draws a line across the bars, `axis` names the y axis.
    """

    title: str
    axis: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    limit: float | None = None
