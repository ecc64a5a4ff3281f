"""Errors raised by the pure metric functions."""

from __future__ import annotations


class MetricUndefined(ValueError):
    """The metric has no defined value for this input (empty, NaN, a single class, ...)."""
