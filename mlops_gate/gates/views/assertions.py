"""The `assertions` gate's report pieces: what reports/pieces.py finds through the gate's `VIEW`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_gate.render.pieces import Breakdown
    from mlops_gate.results import GateResult


def breakdown(result: GateResult) -> Breakdown | None:
    """Each failing row with the check it failed and why (every cell escaped by the reporter)."""
    from mlops_gate.render.pieces import Breakdown

    failures = result.details.get("failures")
    if not isinstance(failures, list) or not failures:
        return None
    rows = tuple(
        (f.get("id"), f.get("check"), f.get("why")) for f in failures if isinstance(f, dict)
    )
    return Breakdown("failing rows", ("id", "check", "why"), rows)
