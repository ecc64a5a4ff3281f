"""The `text` gate's report pieces: what reports/pieces.py finds through the gate's `VIEW`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_gate.render.pieces import Breakdown
    from mlops_gate.results import GateResult


def breakdown(result: GateResult) -> Breakdown | None:
    """The worst rows: id, score and the output (the reporter escapes every cell)."""
    from mlops_gate.render.pieces import Breakdown

    worst = result.details.get("worst")
    if not isinstance(worst, list) or not worst:
        return None
    rows = tuple(
        (w.get("id"), w.get("score"), w.get("output")) for w in worst if isinstance(w, dict)
    )
    return Breakdown("lowest-scoring rows", ("id", "score", "output"), rows)


def facts(result: GateResult) -> list[str]:
    from mlops_gate.render.formatting import number

    low, high = result.details.get("ci_low"), result.details.get("ci_high")
    if isinstance(low, int | float) and isinstance(high, int | float):
        return [f"confidence interval {number(float(low))} to {number(float(high))}"]
    return []
