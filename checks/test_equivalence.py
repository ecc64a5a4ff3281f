"""ONNX-vs-source agreement on generated rows: the artifact predicts what its source predicts.

Anti-pattern: checking the export only on the eval set (or not at all). Converters differ from
the source library exactly at the edges: float32 rounding at a split threshold, an unseen
category the source ignores and the graph maps to something, a missing value handled another
way. The eval set rarely holds such rows; generated ones do.
Best practice: score generated rows with both the shipped ONNX file and the model it was
exported from (the equivalence gate's `source`, else `artifacts.source`), with that gate's
tolerances: every output within `atol + rtol * |source output|` (numpy `allclose` semantics, the
gate's defaults when the policy has no equivalence gate), no NaN, and the same label except where
the source's two best classes are so close that such a gap may swap them. Skips when the policy
names no source model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given

from mlops_gate.gates.equivalence import Config as EquivalenceConfig
from mlops_gate.gates.equivalence import compare, tolerances
from mlops_gate.metrics.closeness import closeness
from mlops_gate.testing import ModelUnderTest, PolicySession, rows


@given(batch=rows())
def test_artifact_agrees_with_source(
    model: ModelUnderTest,
    source_model: ModelUnderTest,
    mlops_gate_session: PolicySession,
    batch: pd.DataFrame,
) -> None:
    gate = mlops_gate_session.equivalence_gate()
    tie_tolerance = EquivalenceConfig.model_fields["tie_tolerance"].default
    if isinstance(gate, EquivalenceConfig):
        rtol, atol = gate.tolerances(model.task)
        tie_tolerance = gate.tie_tolerance
    else:
        rtol, atol = tolerances(model.task)
    artifact, source = model.predictions(batch), source_model.predictions(batch)
    if model.task == "regression":
        assert artifact.values is not None
        assert source.values is not None
        _assert_close(artifact.values, source.values, rtol, atol, batch)
        return
    found = compare(source, artifact, _ties(tie_tolerance, source.require_proba(), rtol, atol))
    assert not found.nan_rows, f"{found.nan_rows} rows with NaN/inf probabilities"
    _assert_close(artifact.require_proba(), source.require_proba(), rtol, atol, batch)
    assert not found.disagreements, (
        f"labels differ on {len(found.disagreements)} rows, e.g. "
        f"{batch.iloc[found.disagreements[0]].to_dict()}"
    )


def _ties(tie_tolerance: float, proba: np.ndarray, rtol: float, atol: float) -> float:
    """A probability gap of d can swap two classes whose probabilities are within 2d."""
    return max(tie_tolerance, 2 * (atol + rtol * float(np.abs(proba).max(initial=0.0))))


def _assert_close(
    actual: np.ndarray, desired: np.ndarray, rtol: float, atol: float, batch: pd.DataFrame
) -> None:
    close = closeness(actual, desired, rtol, atol)
    bad = int(close.nonfinite.sum())
    assert not bad, f"{bad} rows with NaN/inf outputs"
    row = close.worst_row or 0
    assert close.max_used <= 1 + 1e-12, (
        f"|Δ| {close.worst_abs_diff:.3g} > atol {atol:g} + rtol {rtol:g}·|source| = "
        f"{close.worst_allowed:.3g}: row {batch.iloc[row].to_dict()}"
    )
