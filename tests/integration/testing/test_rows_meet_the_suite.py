"""Generated rows meet the policy's expectation suite, as Great Expectations itself judges it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings

from mlops_gate.expectations import gx_runner
from mlops_gate.testing import rows, session_for
from tests.integration.testing.projects import write_project

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_generated_rows_pass_the_suite_in_great_expectations(tmp_path: Path) -> None:
    policy = write_project(tmp_path)
    drawn: list[pd.DataFrame] = []

    @settings(max_examples=40, database=None, deadline=None)
    @given(rows(policy=policy))
    def collect(frame: pd.DataFrame) -> None:
        drawn.append(frame)

    collect()
    expectations = session_for(policy).expectations()
    # `id` is unique within each generated batch, not across batches: checked one by one below.
    together = [e for e in expectations if e.type != "expect_column_values_to_be_unique"]
    outcomes = gx_runner.validate(pd.concat(drawn, ignore_index=True), together)
    assert [o.expectation.label() for o in outcomes if not o.success] == []
    assert all(frame["id"].is_unique for frame in drawn)
    assert sum(len(frame) for frame in drawn) > len(drawn)  # batches, not single rows
