"""Limits on a number, shared by every numeric gate: what each one means and how it is phrased.

One mechanism (issue 16 item 2), used by the metric, text and size gates and importable by any
other (the bias gate may adopt it):

- `min` / `max`: the value (with `confidence`, the pessimistic end of its interval) must be at
  least / at most the limit.
- `max_drop` / `max_increase`: absolute; the value may be at most this much worse than the
  reference (the baseline model, or the float model for `_vs_float`). A drop is for a
  higher-is-better number, an increase for a lower-is-better one.
- `max_drop_pct` / `max_increase_pct`: the same, as a fraction of the reference's value
  (`0.05` is 5%): the change allowed is `fraction * |reference|`. A reference of 0 allows no
  change at all (any worsening fails; ulps of rounding aside): a fraction of nothing is nothing,
  the rule MLflow's `min_relative_change` also follows for a baseline of 0. With `confidence`
  the pessimistic end of the paired interval of the change is compared with the allowance.
- Boundaries: inclusive, compared through `gates.base.is_above` / `is_below` with a tolerance
  of a few ulps, so a drop exactly equal to its limit passes (issue 13).

A broken limit is phrased here, once: "<name> <value> is below min <limit> by <gap>" and
"<name> drop <change> from <reference> <value> exceeds <key> <limit> by <gap>".
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from mlops_gate.config import GateConfig
from mlops_gate.gates.base import is_above, is_below

CHANGE_KEYS = ("max_drop", "max_increase", "max_drop_pct", "max_increase_pct")
LIMIT_KEYS = ("min", "max", *CHANGE_KEYS)
PCT_NOTE = "a fraction of the baseline's value: 0.05 is 5%; a baseline of 0 allows no change"


class Limits(GateConfig):
    """`min`, `max` and the four change limits against a baseline, as policy fields."""

    min: float | None = Field(default=None, description="Fail below this value (inclusive).")
    max: float | None = Field(default=None, description="Fail above this value (inclusive).")
    max_drop: float | None = Field(
        default=None,
        ge=0,
        description="Fail if the value is more than this below the baseline's (higher-is-better).",
    )
    max_increase: float | None = Field(
        default=None,
        ge=0,
        description="Fail if the value is more than this above the baseline's (lower-is-better).",
    )
    max_drop_pct: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description=f"max_drop as {PCT_NOTE} (higher-is-better).",
    )
    max_increase_pct: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description=f"max_increase as {PCT_NOTE} (lower-is-better).",
    )

    @property
    def relative(self) -> bool:
        """Whether a limit compares with the baseline."""
        return any(getattr(self, key) is not None for key in CHANGE_KEYS)


def set_limits(config: Any, keys: tuple[str, ...] = LIMIT_KEYS) -> dict[str, float]:
    """The limits `config` sets, by key, in `keys` order."""
    return {key: getattr(config, key) for key in keys if getattr(config, key, None) is not None}


def direction_problem(
    name: str, lower_is_better: bool, config: Any, suffix: str = ""
) -> str | None:
    """Why a change limit points the wrong way for `name` (a drop of a lower-is-better number)."""
    wrong, right = ("drop", "increase") if lower_is_better else ("increase", "drop")
    better = "lower" if lower_is_better else "higher"
    for pct in ("", "_pct"):
        key = f"max_{wrong}{suffix}{pct}"
        if getattr(config, key, None) is not None:
            return f"{name} is {better}-is-better: use max_{right}{suffix}{pct}, not {key}"
    return None


def allowed_change(key: str, limit: float, reference: float) -> float:
    """The absolute change a limit allows: itself, or for `_pct` that fraction of |reference|."""
    return limit * abs(reference) if key.endswith("_pct") else limit


def allowed_value(key: str, limit: float, reference: float) -> float:
    """The worst value a change limit lets through: reference minus a drop, plus an increase."""
    change = allowed_change(key, limit, reference)
    return reference + change if "increase" in key else reference - change


def bound_note(confidence: float | None) -> str:
    return f" ({confidence * 100:g}% bound)" if confidence is not None else ""


def broken_min(name: str, value: float, limit: float, bound: str = "") -> str | None:
    if not is_below(value, limit):
        return None
    return f"{name}{bound} {value:.6g} is below min {limit:g} by {limit - value:.3g}"


def broken_max(name: str, value: float, limit: float, bound: str = "") -> str | None:
    if not is_above(value, limit):
        return None
    return f"{name}{bound} {value:.6g} is above max {limit:g} by {value - limit:.3g}"


def broken_change(
    name: str,
    worse: float,
    reference: float,
    *,
    key: str,
    limit: float,
    against: str = "baseline",
    bound: str = "",
    scale: float = 0.0,
) -> str | None:
    """The phrase when `worse` (how much worse than `reference`, pessimistic) breaks `key`.

    The change is a difference of two values: the ulp tolerance scales with them (`scale`).
    """
    allowed = allowed_change(key, limit, reference)
    if not is_above(worse, allowed, scale=max(abs(reference), abs(scale))):
        return None
    word = "increase" if "increase" in key else "drop"
    stated = f"{key} {limit:g}" + (f" (= {allowed:.3g})" if key.endswith("_pct") else "")
    return (
        f"{name} {word}{bound} {worse:.3g} from {against} {reference:.6g} "
        f"exceeds {stated} by {worse - allowed:.3g}"
    )


def worsening(
    delta: float, lower_is_better: bool, low: float | None = None, high: float | None = None
) -> float:
    """How much worse than the reference, pessimistic: the interval's far end when there is one.

    `delta` is value - reference; `low`/`high` bound its interval (confidence).
    """
    if lower_is_better:
        return high if high is not None else delta
    return -(low if low is not None else delta)


def broken_limits(
    config: Any,
    name: str,
    value: float,
    *,
    lower_is_better: bool,
    details: dict[str, Any],
    reference: float | None = None,
    against: str = "baseline",
    prefix: str = "delta",
    suffix: str = "",
) -> list[str]:
    """One phrase per broken limit of `config` (keys in `LIMIT_KEYS`, `suffix` on the change
    keys). `details` may hold `confidence`, `ci_low`/`ci_high`, and `<prefix>` with its interval
    `<prefix>_ci_low`/`<prefix>_ci_high` (value - reference)."""
    bound = bound_note(details.get("confidence"))
    failures = []
    if suffix == "":
        low, high = details.get("ci_low", value), details.get("ci_high", value)
        if getattr(config, "min", None) is not None:
            failures.append(broken_min(name, low, config.min, bound))
        if getattr(config, "max", None) is not None:
            failures.append(broken_max(name, high, config.max, bound))
    if reference is not None:
        worse = worsening(
            details.get(prefix, value - reference),
            lower_is_better,
            details.get(f"{prefix}_ci_low"),
            details.get(f"{prefix}_ci_high"),
        )
        for key, limit in _change_limits(config, suffix).items():
            failures.append(
                broken_change(
                    name,
                    worse,
                    reference,
                    key=key,
                    limit=limit,
                    against=against,
                    bound=bound,
                    scale=value,
                )
            )
    return [failure for failure in failures if failure]


def threshold(
    config: Any, lower_is_better: bool, references: list[tuple[float | None, str]]
) -> tuple[float | None, str]:
    """The number a report shows as the limit, and its comparator ("≥" or "≤").

    `min`, else `max`, else the worst value the first applicable change limit lets through,
    trying each `(reference value, key suffix)` in turn (the baseline, then the float model).
    """
    if getattr(config, "min", None) is not None:
        return config.min, "≥"
    if getattr(config, "max", None) is not None:
        return config.max, "≤"
    for reference, suffix in references:
        limits = _change_limits(config, suffix)
        if reference is not None and limits:
            key, limit = next(iter(limits.items()))
            return allowed_value(key, limit, reference), "≤" if "increase" in key else "≥"
    return None, "≤" if lower_is_better else "≥"


def _change_limits(config: Any, suffix: str) -> dict[str, float]:
    """`max_drop<suffix>`, `max_drop<suffix>_pct`, ... that `config` sets."""
    keys = tuple(
        f"max_{word}{suffix}{pct}" for word in ("drop", "increase") for pct in ("", "_pct")
    )
    return set_limits(config, keys)
