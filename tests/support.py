"""Shared test helpers: small real data sets, real ONNX models (skl2onnx), policies, CLI runs.

Everything here is real: models are trained with scikit-learn and converted to ONNX, data is written
as Parquet/CSV, and the CLI runs as a subprocess exactly as a user runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
FEATURES = ["f0", "f1", "f2", "f3"]


def binary_frame(n: int = 2000, seed: int = 0, shift: float = 0.0) -> pd.DataFrame:
    """A learnable binary task with a sensitive `group` column (not a feature) and an `id`."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(FEATURES))) + shift
    logits = 2.0 * x[:, 0] - 1.5 * x[:, 1] + 0.5 * x[:, 2]
    label = (logits + rng.logistic(size=n) * 0.3 > 0).astype("int64")
    frame = pd.DataFrame(x, columns=FEATURES)
    frame["group"] = rng.choice(["a", "b"], size=n)
    frame["id"] = np.arange(n)
    frame["label"] = label
    return frame


def regression_frame(n: int = 1000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(FEATURES)))
    frame = pd.DataFrame(x, columns=FEATURES)
    frame["target"] = 3.0 * x[:, 0] - x[:, 1] + rng.normal(scale=0.1, size=n)
    return frame


def train_onnx(
    frame: pd.DataFrame,
    path: Path,
    *,
    target: str = "label",
    features: list[str] | None = None,
    estimator: Any = None,
    task: str = "classification",
) -> Any:
    """Fit `estimator` (default: logistic or linear regression) and write it as ONNX to `path`."""
    from skl2onnx import to_onnx
    from sklearn.linear_model import LinearRegression, LogisticRegression

    features = features or FEATURES
    model = estimator or (LogisticRegression() if task == "classification" else LinearRegression())
    x = frame[features].to_numpy(dtype=np.float32)
    model.fit(x, frame[target].to_numpy())
    options = {id(model): {"zipmap": False}} if task == "classification" else None
    onnx_model = to_onnx(model, x[:1], options=options, target_opset=17)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(onnx_model.SerializeToString())
    return model


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def write_policy(directory: Path, policy: dict[str, Any], name: str = "mlops-gate.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(policy, sort_keys=False), encoding="utf-8")
    return path


def basic_project(
    directory: Path, gates: list[dict[str, Any]], *, n: int = 2000, **policy: Any
) -> Path:
    """A folder with model.onnx, eval.parquet, reference.parquet and a policy running `gates`."""
    train = binary_frame(n, seed=1)
    train_onnx(train, directory / "model.onnx")
    write_table(binary_frame(n, seed=2), directory / "eval.parquet")
    write_table(train, directory / "reference.parquet")
    document: dict[str, Any] = {
        "version": 1,
        "name": "test-policy",
        "model": {"path": "model.onnx", "task": "classification"},
        "data": {
            "eval": "eval.parquet",
            "reference": "reference.parquet",
            "target": "label",
            "ignore": ["id", "group"],
        },
        "gates": gates,
    }
    document.update(policy)
    return write_policy(directory, document)


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `python -m mlops_gate ARGS` as a user would; never raises on a non-zero exit."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "mlops_gate", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def evaluate_one_gate(policy_path: Path) -> Any:
    """Run a one-gate policy as `check` does; its result must be plain JSON and no internal error."""
    import json

    from mlops_gate.engine.runner import run_gates

    (result,) = run_gates(load_context(policy_path))
    assert not result.internal_error, result.message
    json.dumps(result.details, allow_nan=False)  # plain JSON: no NaN, no numpy scalars
    return result


def load_context(policy_path: Path) -> Any:
    """An EvaluationContext for a policy file, as `check` builds it."""
    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.gates.registry import load_policy

    return EvaluationContext(load_policy(policy_path))
