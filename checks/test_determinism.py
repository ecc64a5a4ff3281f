"""Determinism: the same rows twice give exactly the same outputs, and the input is left as is.

Anti-pattern: randomness left in the served graph (dropout in training mode, a random tie-break,
sampling in a generative head) or a predict that changes the caller's data in place (filling
missing values, casting columns). Neither shows in a metric; both make incidents irreproducible.
Best practice: call the model twice on the same generated batch; the outputs must be identical
(bit for bit, NaN included) and the batch unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given

from mlops_gate.testing import ModelUnderTest, rows


@given(batch=rows())
def test_same_input_same_output(model: ModelUnderTest, batch: pd.DataFrame) -> None:
    kept = batch.copy(deep=True)
    first, second = model.outputs(batch), model.outputs(batch)
    pd.testing.assert_frame_equal(batch, kept, obj="the batch after predict")
    numeric = np.issubdtype(first.dtype, np.number)
    same = np.array_equal(first, second, equal_nan=numeric)
    assert same, f"two calls on the same {len(batch)} rows gave different outputs"
