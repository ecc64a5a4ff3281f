"""Directional expectations: raising `income` never lowers the score (and the like).

Anti-pattern: trusting a good AUC for a model whose score goes *down* when a declared risk
factor goes up, somewhere in the range: an over-fitted tree split, a one-hot leak, a sign error
in a hand-made feature. Such a model is hard to defend to a regulator and easy to game.
Best practice: declare the directions the domain requires, `options: {monotonic: {income:
decreasing, late_payments: increasing}}`, and check them on generated rows: move one column up
or down towards its contract bound (anywhere from not at all to all the way), keep the rest, and
the score (the positive class's probability, or the regression value) may not move the other way
by more than `options.monotonic_tolerance` (default 0.001). `increasing`: the score follows the
column (up with it, down with it); `decreasing`: the score goes against it (issue 16: the check
used to move a `decreasing` column down and then want the score to fall, so a truly decreasing
model could never pass).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlops_gate.testing import CheckOptions, DataContract, ModelUnderTest, rows


@given(data=st.data())
def test_score_moves_in_the_declared_direction(
    model: ModelUnderTest,
    data_contract: DataContract,
    gate_options: CheckOptions,
    monotonic_rule: tuple[str, str],
    data: st.DataObject,
) -> None:
    column, direction = monotonic_rule
    spec = data_contract.column(column)
    if column not in model.features or not spec.numeric:
        pytest.fail(f"monotonic: '{column}' is not a numeric input of the model", pytrace=False)
    batch = data.draw(rows(), label="batch")
    upwards = data.draw(st.booleans(), label="move the column up")
    step = data.draw(st.floats(0, 1), label="share of the way to the bound")
    bound = spec.high if upwards else spec.low
    assert bound is not None  # a numeric column always has both bounds
    moved = batch.copy()
    old = batch[column].to_numpy(dtype=float, na_value=np.nan)
    new = old + step * (bound - old)
    if spec.kind == "int":  # an integer between the old value and the bound
        new = np.floor(new) if upwards else np.ceil(new)
    moved[column] = pd.Series(new, dtype=batch[column].dtype)
    before, after = model.score(batch), model.score(moved)
    # The sign the score's change must have: the column's move, flipped for `decreasing`.
    sign = (1 if upwards else -1) * (1 if direction == "increasing" else -1)
    wrong = sign * (after - before) < -gate_options.monotonic_tolerance
    if wrong.any():
        row = int(np.argmax(sign * (before - after)))
        raise AssertionError(
            f"{column} {direction}: the score moved the other way for {int(wrong.sum())} of "
            f"{len(batch)} rows; e.g. {column} {old[row]:g} -> {new[row]:g} moved the "
            f"score {before[row]:.6g} -> {after[row]:.6g} (row {batch.iloc[row].to_dict()})"
        )
