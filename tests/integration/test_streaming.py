"""Large Parquet data sets are streamed (issue #8): the same results as loading them whole.

`MLOPS_GATE_STREAM_BYTES=1` streams every Parquet file, and a small `BATCH_ROWS` makes the eval
set arrive in many record batches across several row groups, so every gate that streams is
compared with its in-memory result on the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pyarrow import parquet

from mlops_gate.loaders import data as data_loader
from mlops_gate.results import GateResult, Verdict
from tests.support import FEATURES, basic_project, binary_frame, load_context

pytestmark = pytest.mark.integration

GATES: list[dict[str, Any]] = [
    {"type": "drift", "max": 50, "predictions": True, "columns": "all"},
    {
        "type": "drift",
        "id": "drift:categorical",
        "max": 50,
        "columns": ["group", "flag", "f0", "extra"],
    },
    {"type": "metric", "metric": "accuracy", "min": 0.5, "confidence": 0.9, "n_resamples": 200},
    {"type": "metric", "metric": "roc_auc", "min": 0.5},
    {"type": "metric", "metric": "log_loss", "max": 5},
    {"type": "bias", "max": 1, "metric": "equalized_odds_difference"},
    {"type": "bias", "id": "bias:dp", "max": 1, "sensitive": "group"},
    {"type": "latency", "max_ms": 10_000, "runs": 10, "warmup": 1},
]


def _with_gaps(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """NaN in a number, a missing group, a bool column: the bins streaming must get right."""
    rng = np.random.default_rng(seed)
    frame = frame.copy()
    frame["extra"] = rng.exponential(size=len(frame))
    frame.loc[rng.random(len(frame)) < 0.05, "extra"] = np.nan
    frame["group"] = frame["group"].astype(object)
    frame.loc[rng.random(len(frame)) < 0.03, "group"] = None
    frame.loc[rng.random(len(frame)) < 0.1, "group"] = "c"
    frame["flag"] = rng.random(len(frame)) < 0.3
    return frame


def _project(tmp_path: Path) -> Path:
    gates = [{"sensitive": "group", **g} if g["type"] == "bias" else g for g in GATES]
    data = {
        "eval": "eval.parquet",
        "reference": "reference.parquet",
        "target": "label",
        "features": FEATURES,
    }
    policy = basic_project(tmp_path, gates, n=1500, data=data)
    for name, seed, shift in (("reference", 1, 0.0), ("eval", 2, 0.3)):
        frame = _with_gaps(binary_frame(1500, seed=seed, shift=shift), seed)
        # Several row groups, so batches cross row-group boundaries.
        parquet.write_table(
            pa.Table.from_pandas(frame, preserve_index=False),
            tmp_path / f"{name}.parquet",
            row_group_size=400,
        )
    return policy


def _run(policy: Path) -> list[GateResult]:
    from mlops_gate.engine.runner import run_gates

    return run_gates(load_context(policy), jobs=1)


def test_streamed_gates_equal_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = _project(tmp_path)
    whole = _run(policy)
    monkeypatch.setenv("MLOPS_GATE_STREAM_BYTES", "1")
    monkeypatch.setattr(data_loader, "BATCH_ROWS", 97)
    context = load_context(policy)
    assert context.source("eval") is not None
    assert context.source("reference") is not None
    streamed = _run(policy)
    for before, after in zip(whole, streamed, strict=True):
        assert after.verdict == before.verdict, (after.id, after.message)
        assert before.verdict in (Verdict.PASS, Verdict.WARN), before.message
        if before.type == "latency":
            continue  # timings differ run to run
        assert after.value == pytest.approx(before.value, abs=1e-12), after.id
        assert after.details == before.details, after.id
        assert after.message == before.message


def test_streamed_expectations_are_an_error_not_a_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = basic_project(
        tmp_path,
        [
            {
                "type": "expectations",
                "expect": [{"expect_column_values_to_not_be_null": {"column": "f0"}}],
            }
        ],
    )
    monkeypatch.setenv("MLOPS_GATE_STREAM_BYTES", "1")
    (result,) = _run(policy)
    assert result.verdict == Verdict.ERROR
    assert "above the in-memory limit for expectations" in result.message
    assert "eval.parquet" in result.message


def test_small_files_are_not_streamed(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [{"type": "drift", "max": 1}])
    context = load_context(policy)
    assert context.source("eval") is None
    assert data_loader.stream_threshold() == data_loader.STREAM_BYTES
