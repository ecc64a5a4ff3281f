"""Invariance to declared-irrelevant columns: changing one changes no output.

Anti-pattern: a row id, a timestamp of ingestion or an audit-only attribute that leaks into the
features (`features:` left to default, a `SELECT *`); the model learns the leak, the metrics
look great, and predictions change when the id does.
Best practice: declare such columns, `options: {irrelevant: [id]}`, and require that replacing
their values with any other contract-valid values leaves every output unchanged (within
`options.atol`). A declared column the model does not even take passes trivially, as it should.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from mlops_gate.testing import CheckOptions, ModelUnderTest, rows, values
from mlops_gate.testing.compare import row_differences


@given(data=st.data())
def test_irrelevant_column_changes_no_output(
    model: ModelUnderTest, gate_options: CheckOptions, irrelevant_column: str, data: st.DataObject
) -> None:
    batch = data.draw(rows(), label="batch")
    replaced = batch.copy()
    new = data.draw(values(irrelevant_column, len(batch)), label=f"new {irrelevant_column}")
    replaced[irrelevant_column] = pd.Series(new, dtype=batch[irrelevant_column].dtype)
    gaps = row_differences(model.outputs(batch), model.outputs(replaced))
    bad = gaps > gate_options.atol
    if bad.any():
        row = int(np.argmax(gaps))
        raise AssertionError(
            f"changing '{irrelevant_column}' changed the outputs of {int(bad.sum())} of "
            f"{len(batch)} rows (largest gap {gaps[row]:.3g}): row {batch.iloc[row].to_dict()}, "
            f"{irrelevant_column} {batch[irrelevant_column].iloc[row]!r} -> {new[row]!r}"
        )
