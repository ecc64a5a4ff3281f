"""The `judge` gate's report pieces: what reports/pieces.py finds through the gate's `VIEW`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_gate.render.pieces import Breakdown
    from mlops_gate.results import GateResult


def breakdown(result: GateResult) -> Breakdown | None:
    """The lowest-scored rows and the rows lost to the baseline, with the judge's reasons."""
    from mlops_gate.render.pieces import Breakdown

    rows: list[tuple[object, ...]] = []
    for entry in result.details.get("lowest", []) or []:
        rows.append((entry.get("id"), f"score {entry.get('score')}", entry.get("reason")))
    for entry in (result.details.get("pairwise") or {}).get("lost", []) or []:
        rows.append((entry.get("id"), "lost to baseline", entry.get("reason")))
    return Breakdown("judge reasons", ("id", "verdict", "reason"), tuple(rows)) if rows else None
