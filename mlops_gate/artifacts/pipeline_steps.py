"""The steps of a scikit-learn model, nested pipelines included: what the exporters look through."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def walk(estimator: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every estimator in a (nested) Pipeline / ColumnTransformer / FeatureUnion, with its path."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import FeatureUnion, Pipeline

    here = path or type(estimator).__name__
    yield here, estimator
    children: list[tuple[str, Any]] = []
    if isinstance(estimator, Pipeline):
        children = [(name, step) for name, step in estimator.steps]
    elif isinstance(estimator, ColumnTransformer):
        fitted = getattr(estimator, "transformers_", estimator.transformers)
        children = [(name, step) for name, step, _ in fitted]
    elif isinstance(estimator, FeatureUnion):
        children = list(estimator.transformer_list)
    for name, child in children:
        if child is None or isinstance(child, str):  # "drop" / "passthrough"
            continue
        yield from walk(child, f"{path}.{name}" if path else name)
