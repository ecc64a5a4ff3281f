"""A bare ONNX Runtime loop in the anchors venv: its own process, its own session (no mlops-gate).

    latency_bare.py MODEL.onnx EVAL.parquet RUNS

One row of the eval set, each model input fed from the column of its name (shape (1, 1)), default
session options, 20 warm-up calls, then RUNS timed calls; prints the p50.
"""

from __future__ import annotations

import gc
import sys
import time
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd
from _worker import emit

TYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int64)": np.int64}


def feeds(session: Any, row: pd.DataFrame) -> dict[str, np.ndarray]:
    """One input per model input, from the column of its name, as (1, 1) tensors."""
    found = {}
    for spec in session.get_inputs():
        column = row[[spec.name]]
        dtype = TYPES.get(spec.type)
        found[spec.name] = (
            column.astype(str).to_numpy(dtype=object) if dtype is None else column.to_numpy(dtype)
        )
    return found


def main(model: str, data: str, runs: int) -> dict[str, Any]:
    """Open the session, warm up, time RUNS calls, report the p50."""
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    inputs = feeds(session, pd.read_parquet(data).iloc[:1])
    clock, timings = time.perf_counter_ns, [0] * runs
    gc.disable()
    for _ in range(20):
        session.run(None, inputs)
    for i in range(runs):
        begin = clock()
        session.run(None, inputs)
        timings[i] = clock() - begin
    gc.enable()
    return {"p50_ms": float(np.percentile(timings, 50)) / 1e6, "ort": ort.__version__}


if __name__ == "__main__":
    emit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
