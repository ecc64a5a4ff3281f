"""Train the credit-risk champion and challenger and export both as ONNX, the format that ships.

- **champion** (``models/champion.onnx``): the model in production today, a logistic regression
  on three features. The policy uses it as the ``baseline`` the challenger must not fall behind.
- **challenger** (``models/model.onnx``): the candidate, a scikit-learn pipeline (scaling, one-hot
  encoded employment, gradient-boosted trees) on every feature. This is the artifact the gates
  evaluate, so it is the exact file that would ship.

Both take one ONNX input per column, named after it (``[rows, 1]``; float for numbers, string for
``employment``), and output ``label`` and ``probabilities`` (no ZipMap). The feature list and the
class order are stored in the ONNX metadata (``features``, ``classes``), where mlops-gate reads
them (docs/models.md).

Usage: ``python train.py [--data DIR] [--out DIR]`` (defaults: ``data/`` and ``models/`` here).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = Path(__file__).resolve().parent
TARGET = "label"
CATEGORICAL = ["employment"]
NUMERIC = [
    "age",
    "income",
    "debt_ratio",
    "credit_history_years",
    "late_payments",
    "num_credit_lines",
    "loan_amount",
]
CHAMPION_FEATURES = ["income", "debt_ratio", "late_payments"]
OPSET = 17


@dataclass(frozen=True)
class Candidate:
    """A fitted model, the columns it reads, and where its ONNX file goes."""

    name: str
    pipeline: Pipeline
    numeric: list[str]
    categorical: list[str]
    filename: str

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]


def champion() -> Pipeline:
    """Today's model: a logistic regression on scaled income, debt ratio and late payments."""
    scale = ColumnTransformer([("scale", StandardScaler(), CHAMPION_FEATURES)])
    return Pipeline([("prepare", scale), ("classify", LogisticRegression(max_iter=1000))])


def challenger() -> Pipeline:
    """The candidate: every feature, employment one-hot encoded, gradient-boosted trees."""
    prepare = ColumnTransformer(
        [
            ("scale", StandardScaler(), NUMERIC),
            ("one_hot", OneHotEncoder(handle_unknown="ignore", sparse_output=False), CATEGORICAL),
        ]
    )
    boost = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0)
    return Pipeline([("prepare", prepare), ("classify", boost)])


def fit(candidate: Candidate, reference: pd.DataFrame) -> Candidate:
    candidate.pipeline.fit(reference[candidate.features], reference[TARGET])
    return candidate


def to_onnx_bytes(candidate: Candidate) -> bytes:
    """The pipeline as ONNX: one named input per column, plain probability tensor, metadata set."""
    from onnx import helper
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    inputs: list[tuple[str, Any]] = [(c, FloatTensorType([None, 1])) for c in candidate.numeric]
    inputs += [(c, StringTensorType([None, 1])) for c in candidate.categorical]
    onnx_model = convert_sklearn(
        candidate.pipeline,
        name=candidate.name,
        initial_types=inputs,
        # ZipMap turns probabilities into a list of dicts: slow, and not a tensor. Off.
        options={id(candidate.pipeline): {"zipmap": False}},
        target_opset=OPSET,
    )
    classes = [int(c) for c in candidate.pipeline.classes_]
    helper.set_model_props(
        onnx_model,
        {"features": json.dumps(candidate.features), "classes": json.dumps(classes)},
    )
    _canonical_opsets(onnx_model)
    return bytes(onnx_model.SerializeToString())


def _canonical_opsets(onnx_model: Any) -> None:
    """One opset import per domain, sorted: skl2onnx emits them in set order (so the bytes, and
    the sha256 the evidence records, would change from run to run) and sometimes twice."""
    versions: dict[str, int] = {}
    for opset in onnx_model.opset_import:
        versions[opset.domain] = max(opset.version, versions.get(opset.domain, 0))
    del onnx_model.opset_import[:]
    for domain, version in sorted(versions.items()):
        onnx_model.opset_import.add(domain=domain, version=version)


def onnx_predictions(model_bytes: bytes, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Labels and P(default) from ONNX Runtime, fed the way mlops-gate feeds per-column inputs."""
    import onnxruntime as ort

    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    feeds: dict[str, np.ndarray] = {}
    for spec in session.get_inputs():
        dtype = object if spec.type == "tensor(string)" else np.float32
        feeds[spec.name] = frame[[spec.name]].to_numpy(dtype=dtype)
    labels, proba = session.run(["label", "probabilities"], feeds)
    return np.asarray(labels), np.asarray(proba)[:, 1]


def report(candidate: Candidate, model_bytes: bytes, evaluation: pd.DataFrame) -> None:
    """Print the exported model's eval scores; refuse an export that disagrees with scikit-learn."""
    labels, scores = onnx_predictions(model_bytes, evaluation)
    agreement = float(np.mean(labels == candidate.pipeline.predict(evaluation[candidate.features])))
    if agreement < 0.999:
        raise SystemExit(
            f"{candidate.name}: ONNX labels agree with scikit-learn on {agreement:.2%} only"
        )
    truth = evaluation[TARGET].to_numpy()
    print(
        f"{candidate.name:<10} accuracy {accuracy_score(truth, labels):.4f}  "
        f"roc_auc {roc_auc_score(truth, scores):.4f}  {len(model_bytes) / 1e3:.0f} kB  "
        f"(onnx agrees with sklearn on {agreement:.2%} of eval rows)"
    )


def shown(path: Path) -> Path:
    """`path` relative to the working directory when it is below it (shorter to read)."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / "data", help="folder of make_data.py")
    parser.add_argument("--out", type=Path, default=HERE / "models", help="where the .onnx go")
    args = parser.parse_args(argv)
    reference = pd.read_parquet(args.data / "reference.parquet")
    evaluation = pd.read_parquet(args.data / "eval.parquet")
    args.out.mkdir(parents=True, exist_ok=True)
    candidates = [
        Candidate("champion", champion(), CHAMPION_FEATURES, [], "champion.onnx"),
        Candidate("challenger", challenger(), NUMERIC, CATEGORICAL, "model.onnx"),
    ]
    for candidate in candidates:
        model_bytes = to_onnx_bytes(fit(candidate, reference))
        report(candidate, model_bytes, evaluation)
        (args.out / candidate.filename).write_bytes(model_bytes)
        print(f"wrote {shown(args.out / candidate.filename)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
