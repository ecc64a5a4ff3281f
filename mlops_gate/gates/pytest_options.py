"""The options of a `type: pytest` gate that the ready-made checks in `checks/` read.

They live on the gate (`{type: pytest, path: checks/, options: {...}}`) rather than in a new
top-level policy section, so the policy schema stays as DESIGN.md fixes it and each gate can run
the checks with its own expectations. Imports nothing but pydantic: gate modules import it when the
policy model is built, and `mlops-gate --help` must stay fast.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from mlops_gate.config import StrictModel

Direction = Literal["increasing", "decreasing"]


class CheckOptions(StrictModel):
    """What the ready-made behavioural checks expect of the model (docs/checks.md)."""

    monotonic: dict[str, Direction] = Field(
        default_factory=dict,
        description="Directional expectations: `{income: increasing, debt_ratio: decreasing}`; "
        "the score may not move the other way when only that column moves.",
    )
    monotonic_tolerance: float = Field(
        default=1e-3,
        ge=0,
        description="How far the score may move against a declared direction before it counts "
        "(tree ensembles wobble by ~1e-5 where they are flat).",
    )
    irrelevant: list[str] = Field(
        default_factory=list,
        description="Columns whose value must not change any output (ids, audit-only columns).",
    )
    perturbation: float = Field(
        default=0.01,
        gt=0,
        le=1,
        description="Robustness: size of the random change of each float feature, as a share of "
        "that column's standard deviation in the reference data.",
    )
    max_score_change: float | None = Field(
        default=None,
        gt=0,
        description="Robustness: largest allowed change of the score under that perturbation "
        "(default: 0.1 of probability; regression: 0.1 of the target's standard deviation).",
    )
    atol: float = Field(
        default=1e-5,
        ge=0,
        description="Outputs closer than this are the same (batch invariance, irrelevant columns).",
    )
    max_rows: int = Field(
        default=64, ge=1, le=10_000, description="Most rows in one generated batch."
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Free-form settings for your own checks (fixture `gate_options.params`).",
    )
