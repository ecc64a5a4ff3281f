"""Comparing outputs across calls, and reading hypothesis's falsifying examples off an error."""

from __future__ import annotations

import math

import numpy as np

from mlops_gate.testing.collect import falsifying_examples
from mlops_gate.testing.compare import max_abs_diff, row_differences, same_outputs


def test_numbers_differ_by_their_largest_gap_per_row() -> None:
    a = np.array([[0.2, 0.8], [0.5, 0.5]])
    b = np.array([[0.25, 0.75], [0.5, 0.5]])
    assert np.allclose(row_differences(a, b), [0.05, 0.0])
    assert same_outputs(a, b, atol=0.06)
    assert not same_outputs(a, b, atol=0.01)


def test_nan_equals_nan_but_not_a_number() -> None:
    a = np.array([np.nan, 1.0, np.nan])
    b = np.array([np.nan, 1.0, 2.0])
    assert row_differences(a, b).tolist() == [0.0, 0.0, math.inf]


def test_labels_are_equal_or_not() -> None:
    a = np.array(["yes", "no"], dtype=object)
    assert row_differences(a, np.array(["yes", "yes"], dtype=object)).tolist() == [0.0, math.inf]
    assert max_abs_diff(a[:0], a[:0]) == 0.0


def test_falsifying_examples_come_from_the_notes_of_every_member_of_a_group() -> None:
    first, second = AssertionError("a"), ValueError("b")
    first.add_note("Falsifying example: test_x(batch=...)")
    first.add_note("unrelated note")
    second.add_note("Failing test case: test_y(data=data(...))")
    second.add_note("Draw 1 (batch): x=0")
    group = ExceptionGroup("Hypothesis found 2 distinct failures.", [first, second])
    assert falsifying_examples(group) == [
        "Falsifying example: test_x(batch=...)",
        "Failing test case: test_y(data=data(...))",
        "Draw 1 (batch): x=0",
    ]
    assert falsifying_examples(RuntimeError("no notes")) == []
