"""Robustness: a small change of the inputs makes at most a small change of the score.

Anti-pattern: a model whose score jumps on a change far below measurement noise: a hard
threshold learned on one feature, an over-deep tree, a feature scaled by a near-zero variance.
Two applicants who differ by a rounding error get opposite decisions, and anyone who probes the
model can flip its answer.
Best practice: perturb every float input at once by up to `options.perturbation` of its
reference standard deviation (staying inside the contract), and bound the score change by
`options.max_score_change` (default 0.1 of probability; regression: 0.1 of the target's
standard deviation). Hypothesis is steered (`target`) towards the largest changes it can find.
Declared-irrelevant columns are left alone: their own check covers them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import Phase, given, settings, target
from hypothesis import strategies as st

from mlops_gate.testing import CheckOptions, DataContract, ModelUnderTest, PolicySession, rows

DEFAULT_SHARE = 0.1  # of probability, or of the target's standard deviation
# A jump is only found from a row close to it: batches of at least 16 rows (scored at once, so
# cheap) make that likely within a few dozen examples. Full-size changes (±1) come first.
MIN_ROWS = 16
NOISE = st.one_of(st.sampled_from([-1.0, 1.0]), st.floats(-1, 1))


# No shrinking: a batch keeps its 16 rows anyway, and the message names the row that jumped.
@settings(phases=[p for p in settings().phases if p is not Phase.shrink])
@given(data=st.data())
def test_small_perturbation_small_score_change(
    model: ModelUnderTest,
    data_contract: DataContract,
    gate_options: CheckOptions,
    mlops_gate_session: PolicySession,
    data: st.DataObject,
) -> None:
    columns = _float_inputs(model, data_contract, gate_options)
    if not columns:
        pytest.skip("the model takes no float column to perturb")
    batch = data.draw(rows(min_rows=min(MIN_ROWS, gate_options.max_rows)), label="batch")
    size = len(batch) * len(columns)
    noise = data.draw(st.lists(NOISE, min_size=size, max_size=size), label="noise")
    moved = batch.copy()
    for index, column in enumerate(columns):
        spec = data_contract.column(column)
        step = np.asarray(noise[index :: len(columns)]) * gate_options.perturbation * spec.spread
        moved[column] = (batch[column] + step).clip(spec.low, spec.high)
    change = np.abs(model.score(moved) - model.score(batch))
    worst = int(np.nanargmax(change)) if np.isfinite(change).any() else 0
    target(float(np.nan_to_num(change[worst])), label="score change")
    limit = _limit(model, gate_options, mlops_gate_session)
    assert not change[worst] > limit, (
        f"a perturbation of {gate_options.perturbation:g} std moved the score by "
        f"{change[worst]:.4g} > {limit:.4g}: row {batch.iloc[worst].to_dict()} -> "
        f"{moved.iloc[worst][columns].to_dict()}"
    )


def _float_inputs(
    model: ModelUnderTest, contract: DataContract, options: CheckOptions
) -> list[str]:
    names = set(contract.names) - set(options.irrelevant)
    return [
        c
        for c in model.features
        if c in names and contract.column(c).kind == "float" and contract.column(c).numeric
    ]


def _limit(model: ModelUnderTest, options: CheckOptions, session: PolicySession) -> float:
    if options.max_score_change is not None:
        return options.max_score_change
    if model.task != "regression":
        return DEFAULT_SHARE
    target_values = session.context.target(session.contract_source())
    return DEFAULT_SHARE * float(pd.Series(target_values).std())
