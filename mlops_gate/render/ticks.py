"""Axis ticks at round values (1-2-5 steps), so a reviewer reads 0.1 and 0.2, not 0.2103."""

from __future__ import annotations

import math
import sys


def nice_step(span: float, count: int = 4) -> float:
    """The 1, 2 or 5 times a power of ten closest above `span / count` (1.0 for no span)."""
    raw = span / max(1, count) if math.isfinite(span) else 0.0
    if not raw >= sys.float_info.min:  # no span, or one so small it underflows (a subnormal)
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if factor * power >= raw * (1 - 1e-9):
            return factor * power
    return 10.0 * power  # pragma: no cover - the loop always returns


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round ticks from at or below `low` to at or above `high`, about `count` steps apart.

    The first tick is the largest multiple of the step not above `low`, the last the smallest
    not below `high`: an axis drawn from the first to the last holds every value.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high < low:
        low, high = high, low
    if high == low:
        high = low + (abs(low) or 1.0)
    step = nice_step(high - low, count)
    first = math.floor(low / step + 1e-9) * step
    ticks = [first]
    while len(ticks) < 2 or (ticks[-1] < high - step * 1e-9 and len(ticks) < 50):
        ticks.append(first + len(ticks) * step)
    digits = max(0, 1 - math.floor(math.log10(step)))
    return [round(t, digits) + 0.0 for t in ticks]  # + 0.0: no "-0" tick


def tick_label(value: float) -> str:
    """A tick as written by hand: `0.1`, `15`, `1,500,000`, `5e-06` (no trailing zeros)."""
    if abs(value) >= 1e6 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.6g}"
