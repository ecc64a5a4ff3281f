"""The policy side of `check --artifacts`: `*_vs_float` limits and the per-variant policy copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from mlops_gate.engine.variants import per_variant, with_model
from mlops_gate.gates import drift, metric, size
from mlops_gate.gates.registry import load_policy
from tests.support import write_policy


def test_vs_float_limits_follow_the_metric_direction() -> None:
    ok = metric.Config(type="metric", metric="accuracy", max_drop_vs_float=0.01)
    assert ok.max_drop_vs_float == 0.01
    assert metric.Config(type="metric", metric="mae", max_increase_vs_float=0.1)
    with pytest.raises(ValidationError, match="use max_increase_vs_float, not max_drop_vs_float"):
        metric.Config(type="metric", metric="log_loss", max_drop_vs_float=0.01)
    with pytest.raises(ValidationError, match="use max_drop_vs_float, not max_increase_vs_float"):
        metric.Config(type="metric", metric="f1", max_increase_vs_float=0.01)
    with pytest.raises(ValidationError, match="set at least one of min, max, max_drop"):
        metric.Config(type="metric", metric="f1")
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        metric.Config(type="metric", metric="f1", max_drop_vs_float=-0.1)


def test_vs_float_threshold_is_what_the_float_model_allows() -> None:
    config = metric.Config(type="metric", metric="accuracy", max_drop_vs_float=0.01)
    assert metric._threshold(config, None, 0.9) == (pytest.approx(0.89), "≥")
    lower = metric.Config(type="metric", metric="rmse", max_increase_vs_float=0.5)
    assert metric._threshold(lower, None, 2.0) == (2.5, "≤")
    assert metric._threshold(lower, None, None) == (None, "≤")


def test_only_gates_that_read_a_model_run_per_variant() -> None:
    assert per_variant(metric.Config(type="metric", metric="f1", min=0.5))
    assert per_variant(size.Config(type="size", max_mb=5))
    assert not per_variant(drift.Config(type="drift", max=0.2))
    assert per_variant(drift.Config(type="drift", max=0.2, predictions=True))


def test_a_variant_policy_is_the_policy_with_another_model_path(tmp_path: Path) -> None:
    policy = write_policy(
        tmp_path,
        {
            "version": 1,
            "name": "p",
            "model": {"path": "model.joblib", "trust": "pickle", "task": "regression"},
            "data": {"eval": "eval.parquet", "target": "y"},
            "gates": [{"type": "metric", "metric": "mae", "max": 1.0}],
        },
    )
    loaded = load_policy(policy)
    variant = with_model(loaded, tmp_path / "dist" / "model.int8.onnx")
    assert variant.policy.model is not None
    assert variant.policy.model.path == str(tmp_path / "dist" / "model.int8.onnx")
    assert variant.policy.model.trust is None
    assert variant.policy.model.task == "regression"
    assert variant.gate_ids == loaded.gate_ids
    assert variant.sha256 == loaded.sha256
    assert loaded.policy.model is not None
    assert loaded.policy.model.path == "model.joblib"  # the original is untouched
