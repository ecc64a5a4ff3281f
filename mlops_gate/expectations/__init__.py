"""Data expectations for the `expectations` gate: Great Expectations plus a few checks it lacks.

The shared vocabulary lives here so that `suite` (parsing), `gx_runner` (Great Expectations) and
`custom` (our pandas checks) agree on one shape without importing each other:

- `Expectation`: one expectation to check, as the user wrote it (type and kwargs).
- `Outcome`: its result, already plain JSON (no numpy scalars, no NaN), so the gate can put it
  straight into the results JSON.

Nothing here imports pandas or Great Expectations: `mlops-gate --help` must stay fast (STYLE.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Engine = Literal["great_expectations", "mlops-gate"]
ENGINE_GX: Engine = "great_expectations"
ENGINE_CUSTOM: Engine = "mlops-gate"

# pandas' missing-value singletons (pd.NA, pd.NaT), recognised without importing pandas.
_MISSING_TYPES = frozenset({"NAType", "NaTType"})


@dataclass(frozen=True)
class Expectation:
    """One expectation: its type (`expect_...`), its kwargs, and where it was written."""

    type: str
    kwargs: dict[str, Any]
    source: str  # "suite.json #3" or "expect[0]": named in error messages

    def label(self) -> str:
        """`type(column)`, or just `type` when it has no column: compact enough for a message."""
        columns = [self.kwargs[k] for k in ("column", "column_A", "column_B") if k in self.kwargs]
        for key in ("column_list", "columns"):
            if isinstance(self.kwargs.get(key), list):
                columns.extend(self.kwargs[key])
        if not columns:
            return self.type
        return f"{self.type}({', '.join(str(c) for c in columns)})"


SAMPLES = 5
SAMPLE_CHARS = 200


@dataclass(frozen=True)
class Outcome:
    """The normalised result of one expectation: one entry of `details["expectations"]`."""

    expectation: Expectation
    success: bool
    engine: Engine
    observed_value: Any = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    # A few of the values that broke it (GX's partial list), for a reviewer to see what is wrong:
    # at most SAMPLES, each cut to SAMPLE_CHARS, so a hostile column cannot swell the report.
    unexpected_samples: tuple[Any, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.expectation.type,
            "kwargs": to_plain(self.expectation.kwargs),
            "success": self.success,
            "observed_value": to_plain(self.observed_value),
            "unexpected_count": to_plain(self.unexpected_count),
            "unexpected_percent": to_plain(self.unexpected_percent),
            "engine": self.engine,
            **({"unexpected_samples": self._samples()} if self.unexpected_samples else {}),
        }

    def _samples(self) -> list[Any]:
        # Sorted before they are cut: GX lists the first ones it met, in an order that depends on
        # the engine (row order in memory, partitions on Spark).
        found = sorted((to_plain(value) for value in self.unexpected_samples), key=repr)
        plain = found[:SAMPLES]
        return [v[:SAMPLE_CHARS] if isinstance(v, str) else v for v in plain]


def to_plain(value: Any) -> Any:
    """`value` as JSON-ready plain Python: numpy/pandas scalars unwrapped, NaN/inf → None.

    Great Expectations returns numpy scalars, tuples and timestamps in `observed_value`; the
    results JSON must be strict JSON (no NaN), so anything else becomes its `str`.
    """
    if value is None:
        return None
    # Subclasses too: numpy's float64 is a float, and json must not see it (or an IntEnum).
    for plain in (bool, str, int):
        if isinstance(value, plain):
            return plain(value)
    if type(value).__name__ in _MISSING_TYPES:
        return None
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_plain(item) for item in value]
    item = getattr(value, "item", None)  # numpy scalars (and 0-d arrays)
    if callable(item) and getattr(value, "ndim", None) == 0:
        return to_plain(item())
    tolist = getattr(value, "tolist", None)  # numpy arrays
    if callable(tolist):
        return to_plain(tolist())
    isoformat = getattr(value, "isoformat", None)  # datetime, pandas.Timestamp
    if callable(isoformat):
        return str(isoformat())
    return str(value)
