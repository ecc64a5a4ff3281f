"""A gate's own report pieces, looked up on its gate type's module by name.

A gate module's pieces live on the module its `VIEW` names (a dotted module path, imported only
when a report is drawn: `mlops_gate/gates/views/`), or on the gate module itself when it has no
`VIEW` (a small plugin). That module may define `charts(result) -> list[str]` (SVG or HTML tables for the HTML report),
`breakdown(result) -> Breakdown | None` (a titled table for Markdown and the PR comment) and
`facts(result) -> list[str]` (one-line numbers for its HTML section) and `points(result) ->
Points | None` (bars for the PR comment's Mermaid chart). The reporters ask here and
never name a gate type, so a new gate type (or a plugin) brings its pieces with it. A result
whose type is not installed (an old results JSON, a removed plugin) gets no pieces.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from mlops_gate.gates.registry import gate_types
from mlops_gate.render.pieces import Breakdown, Points
from mlops_gate.results import GateResult

Piece = Callable[[GateResult], object]


def charts(result: GateResult) -> list[str]:
    """The SVG charts for `result` (none for types without charts, or without usable details)."""
    piece = _piece(result, "charts")
    return cast(list[str], piece(result)) if piece else []


def breakdown(result: GateResult) -> Breakdown | None:
    """The per-column/per-group table of `result`, if its type has one and its details allow."""
    piece = _piece(result, "breakdown")
    return cast(Breakdown | None, piece(result)) if piece else None


def points(result: GateResult) -> Points | None:
    """The values `result` offers for the PR comment's chart (none for most types)."""
    piece = _piece(result, "points")
    return cast(Points | None, piece(result)) if piece else None


def facts(result: GateResult) -> list[str]:
    """The numbers a chart does not show (throughput, provider, interval bounds)."""
    piece = _piece(result, "facts")
    return cast(list[str], piece(result)) if piece else []


def _piece(result: GateResult, name: str) -> Piece | None:
    """`name` on the module of `result`'s gate type; None for an unknown type or a missing piece."""
    module = gate_types().get(result.type)
    if module is None:
        return None
    view = getattr(module, "VIEW", None)
    owner = importlib.import_module(view) if isinstance(view, str) else module
    function = getattr(owner, name, None)
    return function if callable(function) else None
