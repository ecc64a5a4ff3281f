"""What a `bias` gate's settings must agree on, beyond each field's own range (one message each).

Kept apart from `gates/bias.py` so the policy model stays readable; every message names the keys
to change, e.g. a ratio gated with `max` points at `min` and the four-fifths rule.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_gate.gates.bias import BinSpec, Config

REGRESSION_METRICS = frozenset({"mae_difference", "rmse_difference"})
MAX_BINS = 100  # groups per binned column; more is noise at any min_group_size worth having


def check(config: Config) -> None:
    """Raise the first problem as a ValueError (pydantic reports it at the gate's position)."""
    message = problem(config)
    if message:
        raise ValueError(message)


def problem(config: Config) -> str | None:
    """The first thing wrong with `config`, or None."""
    for check in (_limits, _warn, _sensitive, _bins):
        message = check(config)
        if message:
            return message
    return None


def _limits(config: Config) -> str | None:
    from mlops_gate.gates.limits import direction_problem
    from mlops_gate.metrics.fairness import is_ratio

    name = config.metric
    if is_ratio(name):
        if config.max is not None:
            return (
                f"{name} is a ratio (1 is parity, higher is better): use min "
                "(min: 0.8 is the four-fifths rule), not max"
            )
        allowed = ("min", "max_drop", "max_drop_pct")
    else:
        if config.min is not None:
            return f"{name} is a difference (0 is parity, lower is better): use max, not min"
        if name not in REGRESSION_METRICS and config.max is not None and config.max > 1:
            return f"max: a gap between two rates is at most 1, got {config.max:g}"
        allowed = ("max", "max_increase", "max_increase_pct")
    wrong = direction_problem(name, not is_ratio(name), config)
    if wrong:
        return wrong
    if all(getattr(config, key) is None for key in allowed):
        return f"set at least one of {', '.join(allowed)} for {name}"
    return None


def _warn(config: Config) -> str | None:
    from mlops_gate.metrics.fairness import is_ratio

    if config.warn is None:
        return None
    if is_ratio(config.metric):
        if config.warn > 1:
            return "warn: a ratio is at most 1"
        if config.min is not None and config.warn < config.min:
            return "warn is less than min"
    elif config.max is not None and config.warn > config.max:
        return "warn is greater than max"
    return None


def _sensitive(config: Config) -> str | None:
    columns = config.columns
    if not columns:
        return "sensitive lists no column"
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        return f"sensitive lists {', '.join(repr(c) for c in twice)} more than once"
    return None


def _bins(config: Config) -> str | None:
    if config.bins is None:
        return None
    if not isinstance(config.bins, dict):
        if len(config.columns) > 1:
            return "bins: with several sensitive columns, give bins per column, e.g. {age: 4}"
        return _spec_problem(config.bins)
    for column, spec in config.bins.items():
        if column not in config.columns:
            return f"bins names {column!r}, which is not a sensitive column"
        message = _spec_problem(spec)
        if message:
            return f"{message} (for {column!r})"
    return None


def _spec_problem(spec: BinSpec) -> str | None:
    if isinstance(spec, int):
        if not 2 <= spec <= MAX_BINS:
            return f"bins: a count of quantile bins must be from 2 to {MAX_BINS}"
        return None
    if len(spec) >= MAX_BINS:
        return f"bins: at most {MAX_BINS - 1} edges"
    if not spec:
        return "bins: give at least one edge"
    if any(high <= low for low, high in itertools.pairwise(spec)):
        return "bins: edges must be strictly increasing"
    return None
