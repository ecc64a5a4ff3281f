"""No crash, and finite, well-formed outputs for every contract-valid row.

Anti-pattern: testing a model only on the eval set. Its rows are the common ones; production
sends the rare category, the zero income, the missing value the contract allows, and a model
that returns NaN (or raises) there ships unnoticed, because no aggregate metric sees it.
Best practice: generate rows from the data contract itself, edges first, and require of every one
of them a prediction of the right shape: finite probabilities in [0, 1] that sum to 1 and a label
among the classes (classification), a finite value (regression).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given

from mlops_gate.testing import ModelUnderTest, rows

PROBA_TOLERANCE = 1e-4  # float32 probabilities sum to 1 within a few ulps, not exactly


@given(batch=rows())
def test_outputs_are_finite_and_well_formed(model: ModelUnderTest, batch: pd.DataFrame) -> None:
    found = model.predictions(batch)
    if model.task == "regression":
        assert found.values is not None
        assert found.values.shape == (len(batch),), f"{found.values.shape} values"
        _all_finite(batch, found.values, "prediction")
        return
    if found.labels is not None:
        assert found.labels.shape == (len(batch),), f"{found.labels.shape} labels"
        unknown = np.asarray(
            ~np.isin(found.labels.astype(str), [str(c) for c in found.classes or ()])
        )
        assert not unknown.any(), (
            f"labels not among the classes {found.classes}: {_rows(batch, unknown)}"
        )
    if found.proba is not None:
        proba = found.proba
        assert proba.shape == (len(batch), len(found.classes or ())), f"proba shape {proba.shape}"
        _all_finite(batch, proba, "probability")
        outside = ((proba < 0) | (proba > 1)).any(axis=1)
        assert not outside.any(), f"probabilities outside [0, 1] for {_rows(batch, outside)}"
        off = np.abs(proba.sum(axis=1) - 1) > PROBA_TOLERANCE
        assert not off.any(), f"probabilities do not sum to 1 for {_rows(batch, off)}"


def _all_finite(batch: pd.DataFrame, output: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(output.reshape(len(batch), -1)).all(axis=1)
    assert not bad.any(), f"non-finite {what} for {_rows(batch, bad)}"


def _rows(batch: pd.DataFrame, mask: Any) -> str:
    return f"{int(mask.sum())} rows, e.g. {batch[mask].head(3).to_dict('records')}"
