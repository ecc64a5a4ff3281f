"""Exact `numpy.quantile(..., method="linear")` of a Spark column, in bounded driver memory.

numpy's linear quantile needs two order statistics per probability, x[k] and x[k+1] of the sorted
values (k = floor((n-1)p)), and interpolates between them. Spark's `approxQuantile` is only
within a rank error of ε·n, so (issue 15, item 2) it serves only to bracket each wanted rank:
1. approximate values on both sides of every rank k (margins of a few ε·n ranks);
2. one job counts, per bracket, the values below it, inside it and equal to its ends: the rank
   is then known to lie inside, or is one of the end values (ties), or the bracket is refined
   (narrowed with `approxQuantile` inside it, or widened if the estimate missed);
3. one job collects the values inside the brackets still open (each at most `cap / ranks`
   values), which the driver sorts to read x[k] off; numpy's own interpolation does the rest.
A column of at most `cap` values is simply collected and handed to numpy.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from mlops_gate.errors import GateError

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

COLLECT_CAP = 2_000_000  # values the driver may hold at once (16 MB of float64)
MAX_ROUNDS = 16
# Brackets are estimated a couple of ranks wide at best: room for fewer values would leave a
# rank between two close estimates unsettled round after round.
MIN_BRACKET = 16
VALUE = "v"  # the one column of the values frame: non-missing float64


def linear_ranks(
    n: int, probs: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """numpy's (>= 1.22) linear method: the order statistics below and above each quantile and
    the interpolation weight, computed with numpy's own float operations, in numpy's order."""
    virtual = (n - 1) * probs
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= n - 1
    previous[above] = -1  # numpy takes the last value there, and weighs from index -1
    following[above] = -1
    gamma = np.asarray(virtual - previous, dtype=np.float64)
    last = np.int64(n - 1)
    prev_index = np.where(previous < 0, last, previous).astype(np.int64)
    next_index = np.where(following < 0, last, following).astype(np.int64)
    return prev_index, next_index, gamma


def interpolate(
    below: npt.NDArray[np.float64], above: npt.NDArray[np.float64], gamma: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """numpy's `_lerp`: a + (b-a)·t, or b - (b-a)·(1-t) from t = 0.5 on (the same rounding)."""
    with np.errstate(invalid="ignore"):  # inf - inf is NaN, as in numpy
        diff = above - below
        low_side = below + diff * gamma
        high_side = above - diff * (1 - gamma)
    return np.where(gamma >= 0.5, high_side, low_side)


def quantiles_of_sorted(
    ordered: npt.NDArray[np.float64], probs: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """`numpy.quantile(ordered, probs)` from already sorted values (the reference for tests)."""
    prev_index, next_index, gamma = linear_ranks(ordered.size, probs)
    return interpolate(ordered[prev_index], ordered[next_index], gamma)


def exact_quantiles(
    values: DataFrame, n: int, probs: npt.NDArray[np.float64], cap: int = COLLECT_CAP
) -> npt.NDArray[np.float64]:
    """The linear quantiles of `values` (column `v`: n non-missing float64), exactly."""
    prev_index, next_index, gamma = linear_ranks(n, probs)
    ranks = np.unique(np.concatenate([prev_index, next_index]))
    if n <= cap:
        ordered = np.sort(collect(values))
        if ordered.size != n:
            raise GateError(f"the data changed while it was read ({ordered.size} values, not {n})")
        stats = dict(zip(ranks.tolist(), ordered[ranks].tolist(), strict=True))
    else:
        stats = Selection(values, n, max(MIN_BRACKET, cap // ranks.size)).run(ranks.tolist())
    below = np.array([stats[k] for k in prev_index.tolist()], dtype=np.float64)
    above = np.array([stats[k] for k in next_index.tolist()], dtype=np.float64)
    return interpolate(below, above, gamma)


def collect(values: DataFrame) -> npt.NDArray[np.float64]:
    """The values column on the driver, through Arrow (no Python object per value)."""
    table = values.select(VALUE).toArrow()
    return np.asarray(table.column(0).to_numpy(zero_copy_only=False), dtype=np.float64)


@dataclass
class Bracket:
    """Values in [low, high] (inclusive) hold the wanted rank; `misses` widens the next guess."""

    low: float
    high: float
    misses: int = 0


@dataclass(frozen=True)
class Counts:
    below: int
    inside: int
    at_low: int
    at_high: int


class Selection:
    """Order statistics x[k] of a values frame, found by brackets (see the module docstring)."""

    def __init__(self, values: DataFrame, n: int, per_bracket: int) -> None:
        self.values = values
        self.n = n
        self.per_bracket = per_bracket
        # Brackets of about 4·ε·n values: half the room each may have.
        self.epsilon = float(np.clip(per_bracket / (8 * n), 1e-5, 1e-2))

    def run(self, ranks: list[int]) -> dict[int, float]:
        open_ = self._first_brackets(ranks)
        found: dict[int, float] = {}
        for _ in range(MAX_ROUNDS):
            if not open_:
                return found
            counts = self._count(open_)
            ready: dict[int, tuple[Bracket, Counts]] = {}
            for rank in list(open_):
                value = self._settle(rank, open_, counts[rank], ready)
                if value is not None:
                    found[rank] = value
                    del open_[rank]
            found.update(self._gather(ready))
            for rank in ready:
                del open_[rank]
        raise GateError(
            f"exact quantiles did not converge in {MAX_ROUNDS} rounds (ranks {sorted(open_)})"
        )

    def _settle(
        self,
        rank: int,
        open_: dict[int, Bracket],
        counts: Counts,
        ready: dict[int, tuple[Bracket, Counts]],
    ) -> float | None:
        """x[rank] when a bracket's end is it; else the bracket ready to collect, or refined."""
        bracket = open_[rank]
        if not counts.below <= rank < counts.below + counts.inside:
            bracket.misses += 1  # the estimate missed: start again from everything, wider
            open_[rank] = self._guess(self.values, 0, self.n, rank, bracket.misses)
            return None
        if rank < counts.below + counts.at_low:
            return bracket.low
        if rank >= counts.below + counts.inside - counts.at_high:
            return bracket.high
        if counts.inside <= self.per_bracket:
            ready[rank] = (bracket, counts)
            return None
        # Too many values: look inside, ends excluded (ties there are settled above).
        low, high = np.nextafter(bracket.low, np.inf), np.nextafter(bracket.high, -np.inf)
        inner = self.values.where(_between(float(low), float(high)))
        offset = counts.below + counts.at_low
        size = counts.inside - counts.at_low - counts.at_high
        open_[rank] = self._guess(inner, offset, size, rank, bracket.misses)
        return None

    def _first_brackets(self, ranks: list[int]) -> dict[int, Bracket]:
        probs = [p for rank in ranks for p in self._probs(rank, 0, self.n, 0)]
        edges = self.values.approxQuantile(VALUE, probs, self.epsilon)
        return {
            rank: Bracket(float(edges[2 * i]), float(edges[2 * i + 1]))
            for i, rank in enumerate(ranks)
        }

    def _guess(self, frame: DataFrame, offset: int, size: int, rank: int, misses: int) -> Bracket:
        low, high = frame.approxQuantile(
            VALUE, self._probs(rank, offset, size, misses), self.epsilon
        )
        return Bracket(float(low), float(high), misses)

    def _probs(self, rank: int, offset: int, size: int, misses: int) -> list[float]:
        """Probabilities a few ε·size ranks below and above `rank` (of values `offset`...)."""
        margin = (2 * self.epsilon * size + 2) * 4**misses
        local = rank - offset
        return [max(0.0, (local - margin) / size), min(1.0, (local + 1 + margin) / size)]

    def _count(self, open_: dict[int, Bracket]) -> dict[int, Counts]:
        from pyspark.sql import functions as F

        v = F.col(VALUE)
        columns = []
        for i, bracket in enumerate(open_.values()):
            low, high = F.lit(bracket.low), F.lit(bracket.high)
            columns += [
                F.count_if(v < low).alias(f"b{i}"),
                F.count_if((v >= low) & (v <= high)).alias(f"i{i}"),
                F.count_if(v == low).alias(f"l{i}"),
                F.count_if(v == high).alias(f"h{i}"),
            ]
        row = self.values.agg(*columns).first()
        assert row is not None  # an aggregate has one row
        return {
            rank: Counts(*(int(row[f"{part}{i}"] or 0) for part in "bilh"))
            for i, rank in enumerate(open_)
        }

    def _gather(self, ready: dict[int, tuple[Bracket, Counts]]) -> dict[int, float]:
        """One job collects every ready bracket's values; each rank is read off its own."""
        if not ready:
            return {}
        parts = [_between(bracket.low, bracket.high) for bracket, _ in ready.values()]
        condition = functools.reduce(lambda a, b: a | b, parts)
        gathered = np.sort(collect(self.values.where(condition)))
        found = {}
        for rank, (bracket, counts) in ready.items():
            start = np.searchsorted(gathered, bracket.low, side="left")
            inside = gathered[start : np.searchsorted(gathered, bracket.high, side="right")]
            if inside.size != counts.inside:
                raise GateError("the data changed while exact quantiles were computed")
            found[rank] = float(inside[rank - counts.below])
        return found


def _between(low: float, high: float) -> Column:
    from pyspark.sql import functions as F

    return (F.col(VALUE) >= F.lit(low)) & (F.col(VALUE) <= F.lit(high))
