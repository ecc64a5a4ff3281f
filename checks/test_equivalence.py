"""ONNX-vs-source agreement on generated rows: the artifact predicts what its source predicts.

Anti-pattern: checking the export only on the eval set (or not at all). Converters differ from
the source library exactly at the edges: float32 rounding at a split threshold, an unseen
category the source ignores and the graph maps to something, a missing value handled another
way. The eval set rarely holds such rows; generated ones do.
Best practice: score generated rows with both the shipped ONNX file and the model it was
exported from (the equivalence gate's `source`, else `artifacts.source`), with that gate's
tolerances: probabilities within `max_proba_diff` (regression: values within `max_abs_diff`),
no NaN, and the same label except where the source's two best classes are so close that such a
gap may swap them. Skips when the policy names no source model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given

from mlops_gate.gates.equivalence import Config as EquivalenceConfig
from mlops_gate.gates.equivalence import compare
from mlops_gate.testing import ModelUnderTest, PolicySession, rows


@given(batch=rows())
def test_artifact_agrees_with_source(
    model: ModelUnderTest,
    source_model: ModelUnderTest,
    mlops_gate_session: PolicySession,
    batch: pd.DataFrame,
) -> None:
    limits = _limits(mlops_gate_session)
    artifact, source = model.predictions(batch), source_model.predictions(batch)
    if model.task == "regression":
        assert artifact.values is not None
        assert source.values is not None
        gap = np.abs(artifact.values - source.values)
        assert np.isfinite(gap).all(), f"{int((~np.isfinite(gap)).sum())} non-finite predictions"
        worst = int(np.argmax(gap))
        assert gap[worst] <= limits["max_abs_diff"], (
            f"|Δ| {gap[worst]:.3g} > {limits['max_abs_diff']:g}: row {batch.iloc[worst].to_dict()}"
        )
        return
    # A probability gap of d can swap two classes whose probabilities are within 2d.
    ties = max(limits["tie_tolerance"], 2 * limits["max_proba_diff"])
    found = compare(source, artifact, ties)
    assert not found.nan_rows, f"{found.nan_rows} rows with NaN/inf probabilities"
    gap = found.max_proba_diff or 0.0
    assert gap <= limits["max_proba_diff"], (
        f"max |Δp| {gap:.3g} > {limits['max_proba_diff']:g}: row "
        f"{batch.iloc[found.worst_row or 0].to_dict()}"
    )
    assert not found.disagreements, (
        f"labels differ on {len(found.disagreements)} rows, e.g. "
        f"{batch.iloc[found.disagreements[0]].to_dict()}"
    )


def _limits(session: PolicySession) -> dict[str, float]:
    gate = session.equivalence_gate()
    fields = EquivalenceConfig.model_fields
    return {
        name: float(getattr(gate, name, None) or fields[name].default)
        for name in ("max_proba_diff", "max_abs_diff", "tie_tolerance")
    }
