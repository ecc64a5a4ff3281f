"""Batch invariance: a row gets the same outputs alone, in any batch, in any position.

Anti-pattern: a model (or a preprocessing step inside the exported graph) that normalises with
statistics of the batch it is given: batch-norm left in training mode, "standardise by the
batch mean", a padding-dependent op. Offline scoring in batches of 10,000 looks fine; online
scoring, one row at a time, returns something else.
Best practice: every row's prediction depends on that row only. Checked by scoring a generated
batch at once and row by row, and in a shuffled order; outputs must agree within `options.atol`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from mlops_gate.testing import CheckOptions, ModelUnderTest, rows
from mlops_gate.testing.compare import row_differences


@given(batch=rows())
def test_same_outputs_alone_or_in_a_batch(
    model: ModelUnderTest, gate_options: CheckOptions, batch: pd.DataFrame
) -> None:
    together = model.outputs(batch)
    alone = np.concatenate([model.outputs(batch.iloc[[i]]) for i in range(len(batch))])
    _assert_close(batch, together, alone, gate_options.atol, "in the batch", "alone")


@given(data=st.data())
def test_same_outputs_in_any_order(
    model: ModelUnderTest, gate_options: CheckOptions, data: st.DataObject
) -> None:
    batch = data.draw(rows(min_rows=2), label="batch")
    order = data.draw(st.permutations(range(len(batch))), label="order")
    shuffled = batch.iloc[order].reset_index(drop=True)
    in_order = model.outputs(batch)[order]
    _assert_close(
        shuffled, model.outputs(shuffled), in_order, gate_options.atol, "shuffled", "in order"
    )


def _assert_close(
    batch: pd.DataFrame, first: np.ndarray, second: np.ndarray, atol: float, a: str, b: str
) -> None:
    gaps = row_differences(first, second)
    bad = gaps > atol
    if bad.any():
        row = int(np.argmax(gaps))
        raise AssertionError(
            f"{int(bad.sum())} of {len(batch)} rows get other outputs {a} than {b} "
            f"(largest gap {gaps[row]:.3g} > atol {atol:g}); row {batch.iloc[row].to_dict()}: "
            f"{first[row]} vs {second[row]}"
        )
