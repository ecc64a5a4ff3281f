"""Checks Great Expectations 1.x lacks, vectorised in pandas, with GX's result shape.

`expect_column_value_shares_to_be_between` — every value's share of a column's non-null rows
    lies within [min_value, max_value] (e.g. each label > 10%). GX has no per-value share check:
    `expect_column_distinct_values_to_*` look at the set only, `expect_column_kl_divergence_*`
    needs a reference distribution.
`expect_table_duplicate_row_share_to_be_between` — the share of rows that repeat an earlier row
    (pandas `duplicated(keep="first")`, so NaN equals NaN) lies within [min_value, max_value].
    GX's `expect_compound_columns_to_be_unique` with `mostly` is *not* the same number: it counts
    every copy of a repeated row (`keep=False`), so two identical rows are 2 unexpected, not 1.

Bounds follow GX's `*_to_be_between`: inclusive unless `strict_min`/`strict_max`; either may be
left out, not both. Shares are fractions in [0, 1].

The counting is the engine's (`Counts`: pandas here, Spark aggregations in `spark_counts`); what
the counts mean, the bounds and the result shape live here once, so both engines give one answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mlops_gate.errors import GateError
from mlops_gate.expectations import ENGINE_CUSTOM, Expectation, Outcome

if TYPE_CHECKING:
    import pandas as pd


@runtime_checkable
class Counts(Protocol):
    """What the custom checks need from a table, whichever engine holds it."""

    @property
    def columns(self) -> list[str]: ...

    def value_counts(self, column: str) -> list[tuple[Any, int]]:
        """(value, rows) for each distinct non-missing value (None and NaN left out)."""
        ...

    def repeated_rows(self, columns: list[str] | None) -> tuple[int, int]:
        """(rows repeating an earlier row over `columns` (None: all), all rows); missing equals
        missing, as pandas' `duplicated(keep="first")` counts them."""
        ...


class PandasCounts:
    """`Counts` of an in-memory pandas DataFrame."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    @property
    def columns(self) -> list[str]:
        return [str(name) for name in self.frame.columns]

    def value_counts(self, column: str) -> list[tuple[Any, int]]:
        counts = self.frame[column].value_counts(dropna=True)
        return list(zip(counts.index.tolist(), counts.tolist(), strict=True))

    def repeated_rows(self, columns: list[str] | None) -> tuple[int, int]:
        repeated = int(self.frame.duplicated(subset=columns, keep="first").sum())
        return repeated, len(self.frame)


VALUE_SHARES = "expect_column_value_shares_to_be_between"
DUPLICATE_SHARE = "expect_table_duplicate_row_share_to_be_between"


class _ShareBounds(BaseModel):
    """Bounds on a share, with GX's names and meaning."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_value: float | None = Field(default=None, ge=0.0, le=1.0)
    max_value: float | None = Field(default=None, ge=0.0, le=1.0)
    strict_min: bool = False
    strict_max: bool = False

    @model_validator(mode="after")
    def _some_bound(self) -> _ShareBounds:
        if self.min_value is None and self.max_value is None:
            raise ValueError("set min_value, max_value or both")
        low, high = self.min_value, self.max_value
        if low is not None and high is not None and low > high:
            raise ValueError("min_value is greater than max_value")
        return self

    def holds(self, share: float) -> bool:
        """Whether `share` is within the bounds."""
        low, high = self.min_value, self.max_value
        if low is not None and (share <= low if self.strict_min else share < low):
            return False
        return not (high is not None and (share >= high if self.strict_max else share > high))


class ValueSharesKwargs(_ShareBounds):
    column: str = Field(min_length=1)
    value_set: list[Any] | None = Field(
        default=None, description="Values that must appear: one absent has share 0."
    )


class DuplicateShareKwargs(_ShareBounds):
    columns: list[str] | None = Field(
        default=None, min_length=1, description="Compare only these columns (default: all)."
    )


def value_shares(counts: Counts, kwargs: ValueSharesKwargs, expectation: Expectation) -> Outcome:
    """Shares among non-null values; no non-null value at all fails (nothing was shown)."""
    found = counts.value_counts(kwargs.column)
    total = sum(count for _, count in found)
    shares: dict[Any, float] = {}
    for value, count in found:  # -0.0 and 0.0 are one value: its key must not be the row order's
        key = value + 0.0 if isinstance(value, float) else value
        shares[key] = shares.get(key, 0.0) + count / total
    for value in kwargs.value_set or []:
        shares.setdefault(value, 0.0)
    ordered = sorted(shares.items(), key=lambda item: (-item[1], str(item[0])))
    return Outcome(
        expectation=expectation,
        success=total > 0 and all(kwargs.holds(share) for _, share in ordered),
        engine=ENGINE_CUSTOM,
        observed_value={str(value): share for value, share in ordered},
    )


def duplicate_share(
    counts: Counts, kwargs: DuplicateShareKwargs, expectation: Expectation
) -> Outcome:
    """Rows that repeat an earlier row (over `columns`), as a share of all rows."""
    repeated, rows = counts.repeated_rows(kwargs.columns)
    share = repeated / rows if rows else 0.0
    return Outcome(
        expectation=expectation,
        success=kwargs.holds(share),
        engine=ENGINE_CUSTOM,
        observed_value=share,
        unexpected_count=repeated,
        unexpected_percent=100.0 * share,
    )


Check = Callable[[Counts, Any, Expectation], Outcome]
CHECKS: dict[str, tuple[type[_ShareBounds], Check]] = {
    VALUE_SHARES: (ValueSharesKwargs, value_shares),
    DUPLICATE_SHARE: (DuplicateShareKwargs, duplicate_share),
}
CUSTOM_TYPES = frozenset(CHECKS)


def run_custom(frame: pd.DataFrame | Counts, expectations: list[Expectation]) -> list[Outcome]:
    """Check each custom expectation; bad kwargs or a missing column is a one-line `GateError`.

    `frame` is a pandas DataFrame or another engine's `Counts`. Every expectation's kwargs are
    checked before any runs, so a typo costs no computation.
    """
    counts = frame if isinstance(frame, Counts) else PandasCounts(frame)
    columns = set(counts.columns)
    parsed = [(expectation, _parse(expectation, columns)) for expectation in expectations]
    outcomes = []
    for expectation, kwargs in parsed:
        try:
            outcomes.append(CHECKS[expectation.type][1](counts, kwargs, expectation))
        except TypeError:  # map/list cells (nested Parquet) cannot be hashed to be counted
            raise GateError(
                f"{_where(expectation)}: the column values cannot be compared (lists or maps?)"
            ) from None
    return outcomes


def _parse(expectation: Expectation, columns: set[str]) -> _ShareBounds:
    model = CHECKS[expectation.type][0]
    where = _where(expectation)
    try:
        kwargs = model.model_validate(expectation.kwargs)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'kwargs'}: {error['msg']}"
            for error in exc.errors()
        )
        raise GateError(f"{where}: {problems}") from None
    wanted = [getattr(kwargs, "column", None), *(getattr(kwargs, "columns", None) or [])]
    missing = [column for column in wanted if column is not None and column not in columns]
    if missing:
        raise GateError(f"{where}: no column {', '.join(map(repr, missing))} in the data set")
    return kwargs


def _where(expectation: Expectation) -> str:
    return f"{expectation.source} {expectation.type}"
