"""The data contract: what a valid row looks like, from the reference data and the expectations.

Each column gets its kind (float, int, bool, category) from the reference data's dtype, and its
valid values from the expectation suites where they say something (`..._to_be_between`,
`..._to_be_in_set`, `..._to_not_be_null`, `..._to_be_unique`), else from what the reference data
holds (observed min/max, observed categories). The suite wins where both speak: it is the written
contract, and a value inside it but outside the training range is exactly the "valid but unusual"
row behavioural tests are for. Expectations about whole tables or distributions (row counts,
means, quantiles) say nothing about a single row and are not used.

Pure pandas; hypothesis is only needed by `strategies`, which turns a contract into generators.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from mlops_gate.errors import GateError

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.expectations import Expectation

Kind = Literal["float", "int", "bool", "category"]
RARE_SHARE = 0.05  # a category under 5 % of the reference rows is "rare": drawn as an edge case
MAX_OBSERVED = 1000  # distinct values kept for columns sampled from what the reference holds


@dataclass
class Rules:
    """What the expectations say about one column (several expectations intersect)."""

    low: float | None = None
    high: float | None = None
    strict_low: bool = False
    strict_high: bool = False
    value_set: list[Any] | None = None
    not_null: bool = False
    unique: bool = False
    sources: list[str] = field(default_factory=list)

    def add(self, expectation: Expectation) -> None:
        kwargs = expectation.kwargs
        name = expectation.type
        if name == "expect_column_values_to_be_between":
            self._bound_low(kwargs.get("min_value"), bool(kwargs.get("strict_min")))
            self._bound_high(kwargs.get("max_value"), bool(kwargs.get("strict_max")))
        elif name == "expect_column_values_to_be_in_set" and kwargs.get("value_set") is not None:
            allowed = list(kwargs["value_set"])
            self.value_set = (
                allowed if self.value_set is None else [v for v in self.value_set if v in allowed]
            )
        elif name == "expect_column_values_to_not_be_null":
            # `mostly: 0.95` allows some nulls, so only a strict expectation forbids them.
            self.not_null = self.not_null or float(kwargs.get("mostly", 1.0)) >= 1.0
        elif name == "expect_column_values_to_be_unique":
            self.unique = True
        else:
            return
        self.sources.append(expectation.source)

    def _bound_low(self, value: Any, strict: bool) -> None:
        if isinstance(value, int | float) and (self.low is None or value >= self.low):
            self.strict_low = strict or (value == self.low and self.strict_low)
            self.low = float(value)

    def _bound_high(self, value: Any, strict: bool) -> None:
        if isinstance(value, int | float) and (self.high is None or value <= self.high):
            self.strict_high = strict or (value == self.high and self.strict_high)
            self.high = float(value)


@dataclass(frozen=True)
class ColumnContract:
    """The valid values of one column; `categories` (when set) replace the numeric range."""

    name: str
    kind: Kind
    dtype: Any  # the reference column's pandas dtype: generated columns get the same one
    low: float | None = None  # inclusive bounds, strictness already applied
    high: float | None = None
    categories: tuple[Any, ...] = ()  # most to least common in the reference data
    rare: tuple[Any, ...] = ()
    nullable: bool = False
    unique: bool = False
    spread: float = 1.0  # the reference standard deviation: the scale of "a small change"
    sources: tuple[str, ...] = ()

    @property
    def numeric(self) -> bool:
        return self.kind in ("float", "int") and not self.categories

    def capacity(self) -> float:
        """How many distinct values exist (bounds a unique column's batch size)."""
        if self.categories:
            return len(self.categories)
        if self.kind == "bool":
            return 2
        if self.kind == "int" and self.low is not None and self.high is not None:
            return self.high - self.low + 1
        return math.inf


@dataclass(frozen=True)
class DataContract:
    """Every column a generated row has, in the reference data's order."""

    columns: tuple[ColumnContract, ...]

    def __repr__(self) -> str:  # short: hypothesis prints it in every falsifying example
        return f"DataContract({', '.join(self.names)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # hypothesis pretty-prints dataclasses field by field otherwise

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> ColumnContract:
        for column in self.columns:
            if column.name == name:
                return column
        raise GateError(f"column '{name}' is not in the data contract ({', '.join(self.names)})")

    def violations(self, frame: pd.DataFrame) -> list[str]:
        """Every way `frame` breaks the contract (empty: the frame is contract-valid)."""
        problems = [f"{name}: missing" for name in self.names if name not in frame.columns]
        for column in self.columns:
            if column.name in frame.columns:
                problems.extend(_column_violations(column, frame[column.name]))
        return problems


def build_contract(
    frame: pd.DataFrame, expectations: Iterable[Expectation], *, exclude: Sequence[str] = ()
) -> DataContract:
    """The contract of every column of `frame` but `exclude` (the target, typically)."""
    rules: dict[str, Rules] = {}
    for expectation in expectations:
        column = expectation.kwargs.get("column")
        if isinstance(column, str):
            rules.setdefault(column, Rules()).add(expectation)
    names = [str(name) for name in frame.columns if name not in set(exclude)]
    return DataContract(
        tuple(_column(name, frame[name], rules.get(name, Rules())) for name in names)
    )


def _kind(series: pd.Series) -> Kind:
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    return "category"  # strings, categoricals, and anything else: sampled from observed values


def _column(name: str, series: pd.Series, rules: Rules) -> ColumnContract:
    import pandas as pd

    kind = _kind(series)
    present = series.dropna()
    common: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "dtype": series.dtype,
        "nullable": bool(series.isna().any()) and not rules.not_null,
        "unique": rules.unique,
        "sources": tuple(rules.sources),
    }
    if kind == "category" or rules.value_set is not None:
        categories = _categories(present, rules.value_set)
        if not categories:
            raise GateError(f"column '{name}': no valid value (empty reference and no value_set)")
        if isinstance(series.dtype, pd.CategoricalDtype):  # allowed values the dtype lacks
            known = [*series.dtype.categories, *categories]
            common["dtype"] = pd.CategoricalDtype(list(dict.fromkeys(known)))
        return ColumnContract(categories=categories, rare=_rare(present, categories), **common)
    if kind == "bool":
        return ColumnContract(**common)
    low, high = _bounds(name, kind, present, rules)
    spread = float(present.std()) if len(present) > 1 else 0.0
    if not math.isfinite(spread) or spread <= 0:
        spread = (high - low) / 4 or 1.0
    return ColumnContract(low=low, high=high, spread=spread, **common)


def _categories(present: pd.Series, value_set: list[Any] | None) -> tuple[Any, ...]:
    """Valid values, most common first; allowed values the reference never holds come last."""
    seen = present.value_counts().index.tolist()[:MAX_OBSERVED]
    if value_set is None:
        return tuple(seen)
    allowed = [value for value in seen if value in value_set]
    return tuple(allowed + [value for value in value_set if value not in allowed])


def _rare(present: pd.Series, categories: tuple[Any, ...]) -> tuple[Any, ...]:
    counts = present.value_counts()
    total = max(int(counts.sum()), 1)
    rare = tuple(c for c in categories if counts.get(c, 0) / total < RARE_SHARE)
    return rare or categories[-1:]


def _bounds(name: str, kind: Kind, present: pd.Series, rules: Rules) -> tuple[float, float]:
    low = rules.low if rules.low is not None else _observed(present, min)
    high = rules.high if rules.high is not None else _observed(present, max)
    if low is None or high is None:
        raise GateError(f"column '{name}': no values in the reference data and no bounds")
    if rules.low is None and rules.high is not None:
        low = min(low, high)  # an observed minimum above the expectation's maximum
    if rules.high is None and rules.low is not None:
        high = max(high, low)
    if kind == "int":
        low = math.floor(low) + 1 if rules.strict_low and low == int(low) else math.ceil(low)
        high = math.ceil(high) - 1 if rules.strict_high and high == int(high) else math.floor(high)
    else:
        low = math.nextafter(low, math.inf) if rules.strict_low else low
        high = math.nextafter(high, -math.inf) if rules.strict_high else high
    if low > high:
        raise GateError(f"column '{name}': the expectations leave no valid value ({rules.sources})")
    return float(low), float(high)


def _observed(present: pd.Series, pick: Any) -> float | None:
    return float(pick(present)) if len(present) else None


def _column_violations(column: ColumnContract, series: pd.Series) -> list[str]:
    missing = series.isna()
    problems = []
    if missing.any() and not column.nullable:
        problems.append(f"{column.name}: {int(missing.sum())} missing values")
    present = series[~missing]
    if column.categories:
        outside = present[~present.isin(list(column.categories))]
    elif column.low is not None and column.high is not None:
        outside = present[(present < column.low) | (present > column.high)]
    else:
        outside = present.iloc[:0]
    if len(outside):
        problems.append(f"{column.name}: values outside the contract: {outside.tolist()[:5]}")
    if column.unique and present.duplicated().any():
        problems.append(f"{column.name}: duplicated values")
    return problems
