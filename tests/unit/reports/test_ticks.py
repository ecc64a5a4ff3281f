"""Round axis ticks (1-2-5 steps): they cover the data, stay few and read as written by hand."""

from __future__ import annotations

import itertools
import math

from hypothesis import given
from hypothesis import strategies as st

from mlops_gate.render.ticks import nice_step, nice_ticks, tick_label

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


def _mantissa(step: float) -> float:
    return round(step / 10.0 ** math.floor(math.log10(step)), 6)


@given(finite, finite)
def test_ticks_cover_the_range_in_round_steps(a: float, b: float) -> None:
    low, high = min(a, b), max(a, b)
    ticks = nice_ticks(low, high)
    step = nice_step(high - low) if high > low else nice_step(abs(low) or 1.0)
    # Covered up to a millionth of a step: less than a pixel on any chart.
    assert ticks[0] <= low + step * 1e-6
    assert ticks[-1] >= high - step * 1e-6
    assert 2 <= len(ticks) <= 12
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert _mantissa(step) in {1.0, 2.0, 5.0, 10.0}
    assert all(math.isclose(s, step, rel_tol=1e-6, abs_tol=1e-9) for s in steps)


def test_a_span_that_underflows_gets_a_unit_axis() -> None:
    """Found by hypothesis: a span of one subnormal (5e-324) made log10(0) raise."""
    assert nice_ticks(0.0, 5e-324) == [0.0, 1.0]
    assert nice_step(5e-324) == 1.0


def test_known_axes() -> None:
    assert nice_ticks(0, 0.2103) == [0.0, 0.1, 0.2, 0.3]
    assert nice_ticks(0, 12.4) == [0.0, 5.0, 10.0, 15.0]
    assert nice_ticks(0.9, 0.946) == [0.9, 0.92, 0.94, 0.96]
    assert nice_ticks(-0.02, 0.019) == [-0.02, -0.01, 0.0, 0.01, 0.02]
    assert nice_ticks(0, 0) == [0.0, 0.5, 1.0]


def test_hostile_input_gives_a_usable_axis() -> None:
    assert nice_ticks(math.nan, 1.0) == [0.0, 1.0]
    assert nice_ticks(0.0, math.inf) == [0.0, 1.0]
    assert nice_ticks(5.0, 1.0)[0] <= 1.0  # reversed ends are swapped
    assert len(nice_ticks(1e-300, 2e-300)) <= 12
    assert nice_step(0.0) == 1.0
    assert nice_step(-3.0) == 1.0


def test_tick_labels_read_as_written() -> None:
    assert [tick_label(v) for v in (0.0, 0.1, 15.0, 1.5e6, 5e-06, -0.02)] == [
        "0",
        "0.1",
        "15",
        "1,500,000",
        "5e-06",
        "-0.02",
    ]
