"""Real models and projects for the build tests: trained here, saved as a user saves them."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from tests.support import write_policy, write_table

NUMERIC = ["a", "b", "c", "d"]
MIXED = [*NUMERIC, "city"]


def mixed_frame(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Four numeric features and a string category that all matter for the label."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, len(NUMERIC))), columns=NUMERIC)
    frame["city"] = rng.choice(["paris", "lyon", "nice"], size=n)
    logit = 1.5 * frame.a - frame.b + 0.5 * frame.c * frame.d + (frame.city == "nice") * 1.2
    frame["label"] = (logit + rng.logistic(size=n) * 0.5 > 0.3).astype("int64")
    return frame


def fitted(estimator: Any, frame: pd.DataFrame, features: list[str]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLP convergence warnings on purpose-small training runs
        estimator.fit(frame[features], frame["label"])
    return estimator


def project(
    root: Path,
    estimator: Any,
    features: list[str],
    *,
    artifacts: dict[str, Any] | None = None,
    gates: list[dict[str, Any]] | None = None,
    n: int = 1500,
) -> Path:
    """source.joblib + eval/reference parquet + a policy whose model.path is dist/model.onnx."""
    train, evaluation = mixed_frame(n, seed=1), mixed_frame(n, seed=2)
    joblib.dump(fitted(estimator, train, features), root / "source.joblib")
    write_table(train, root / "reference.parquet")
    write_table(evaluation, root / "eval.parquet")
    document = {
        "version": 1,
        "name": "build-test",
        "model": {"path": "dist/model.onnx", "task": "classification"},
        "data": {
            "eval": "eval.parquet",
            "reference": "reference.parquet",
            "target": "label",
            "features": features,
        },
        "gates": gates or [{"type": "size", "max_mb": 50}],
        "artifacts": {"source": {"path": "source.joblib", "trust": "pickle"}, **(artifacts or {})},
    }
    return write_policy(root, document)


def repoint(policy: Path, model_path: str) -> Path:
    """A copy of `policy` whose model.path is `model_path` (to gate one variant)."""
    import yaml

    document = yaml.safe_load(policy.read_text(encoding="utf-8"))
    document["model"]["path"] = model_path
    return write_policy(policy.parent, document, name=f"policy-{Path(model_path).stem}.yaml")
