"""The model scored on the executors (`spark/scoring.py`, `shipping.py`): the same outputs as an
ONNX Runtime session opened here, row by row; external data shipped with the model; two models
of the same file name; a `data.prediction` column; Poisson sums independent of partitioning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest
import yaml
from pyspark.sql import SparkSession
from sklearn import metrics as sk

from mlops_gate.engine.data.spark.folds import replicate_sums
from mlops_gate.engine.data.spark.scoring import LABEL, PROBA, ROW_ID, scored
from mlops_gate.errors import GateError
from mlops_gate.gates.context import Role
from mlops_gate.metrics.poisson_bootstrap import weighted_sums
from tests.support import (
    FEATURES,
    basic_project,
    binary_frame,
    load_context,
    write_policy,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scoring")
    basic_project(root, [{"type": "metric", "metric": "f1", "min": 0.5}], n=500)
    # the champion: another model, the same file name, its weights in an external data file
    champion_onnx(binary_frame(500, seed=7), root / "champion" / "model.onnx")
    document = yaml.safe_load((root / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document["data"]["engine"] = "spark"
    document["baseline"] = {"path": "champion/model.onnx", "features": ["f0", "f1"]}
    write_policy(root, document)
    return root


def champion_onnx(train: pd.DataFrame, path: Path) -> None:
    """A logistic model on f0, f1 as plain ONNX ops whose weights are initializers kept in an
    external data file (`weights/coefficients.bin`): what ships beside the model file."""
    from onnx import TensorProto, helper, numpy_helper
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression().fit(train[["f0", "f1"]], train["label"])
    weights = np.zeros((2, 2), dtype=np.float32)
    weights[:, 1] = fitted.coef_[0]
    bias = np.array([0.0, fitted.intercept_[0]], dtype=np.float32)
    nodes = [
        helper.make_node("MatMul", ["X", "W"], ["product"]),
        helper.make_node("Add", ["product", "B"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["logits"], ["label"], axis=1, keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "champion",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 2])],
        [
            helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2]),
        ],
        [numpy_helper.from_array(weights, "W"), numpy_helper.from_array(bias, "B")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_operatorsetid("", 17)])
    (path.parent / "weights").mkdir(parents=True, exist_ok=True)
    onnx.save_model(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="weights/coefficients.bin",
        size_threshold=0,
    )
    assert (path.parent / "weights" / "coefficients.bin").is_file()


def _ort(path: Path, frame: pd.DataFrame, features: list[str]) -> list[np.ndarray]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return list(session.run(None, {"X": frame[features].to_numpy(dtype=np.float32)}))


def _rows(table: object) -> pd.DataFrame:
    rows = table.frame.select("id", ROW_ID, LABEL, PROBA).collect()  # type: ignore[attr-defined]
    return pd.DataFrame([r.asDict() for r in rows]).sort_values("id").reset_index(drop=True)


def test_outputs_equal_a_local_session_row_by_row(
    spark_session: SparkSession, project: Path
) -> None:
    context = load_context(project / "mlops-gate.yaml")
    frame = pd.read_parquet(project / "eval.parquet")
    roles: list[tuple[Role, Path, list[str]]] = [
        ("model", project / "model.onnx", FEATURES),
        ("baseline", project / "champion" / "model.onnx", ["f0", "f1"]),
    ]
    for role, path, features in roles:
        table = scored(context, role)
        assert table.classes == (0, 1)
        got = _rows(table)
        labels, proba = _ort(path, frame, features)
        np.testing.assert_array_equal(got[LABEL].to_numpy(), labels)
        np.testing.assert_array_equal(np.stack(list(got[PROBA])), proba.astype(np.float64))
    # both roles give a row the same id: the paired bootstrap weighs the same row alike
    ids = [_rows(scored(context, role))[ROW_ID].to_numpy() for role in ("model", "baseline")]
    np.testing.assert_array_equal(ids[0], ids[1])
    assert len(set(ids[0].tolist())) == len(frame)


def test_poisson_sums_do_not_depend_on_partitions(
    spark_session: SparkSession, project: Path
) -> None:
    context = load_context(project / "mlops-gate.yaml")
    table = scored(context, "model")
    rows = _rows(table)

    def fold(batch: pd.DataFrame, weights: np.ndarray | None) -> np.ndarray:
        values = np.column_stack([np.ones(len(batch)), batch["f0"].to_numpy()])
        out: np.ndarray = values.sum(axis=0) if weights is None else weights @ values
        return out

    whole = replicate_sums(table.frame, ["f0"], fold, 2, n_resamples=30, seed=11)
    again = replicate_sums(table.frame.repartition(5), ["f0"], fold, 2, n_resamples=30, seed=11)
    np.testing.assert_allclose(again, whole, rtol=1e-12)
    f0 = pd.read_parquet(project / "eval.parquet").set_index("id").loc[rows["id"], "f0"].to_numpy()
    expected = weighted_sums(
        11, rows[ROW_ID].to_numpy(), np.column_stack([np.ones(len(f0)), f0]), 30
    )
    np.testing.assert_allclose(whole, expected, rtol=1e-12)


def test_a_prediction_column_is_the_model_output(
    spark_session: SparkSession, project: Path
) -> None:
    frame = pd.read_parquet(project / "eval.parquet")
    _, proba = _ort(project / "model.onnx", frame, FEATURES)
    frame["score"] = proba[:, 1].astype(np.float64)
    frame.to_parquet(project / "scored.parquet", index=False)
    document = yaml.safe_load((project / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document["data"].update(eval="scored.parquet", prediction="score")
    document["data"]["ignore"] = [*document["data"]["ignore"], "score"]
    document.pop("baseline")
    context = load_context(write_policy(project, document, "prediction.yaml"))
    table = scored(context, "model")
    got = _rows(table).merge(frame[["id", "score"]], on="id")
    np.testing.assert_array_equal(got[LABEL].to_numpy(), (got["score"] >= 0.5).astype(int))
    from mlops_gate.gates.metric import Config
    from mlops_gate.gates.metric_scoring import measure

    config = Config(type="metric", metric="roc_auc", min=0.5)
    _, value, _ = measure(config, context, "model")
    assert value == pytest.approx(sk.roc_auc_score(frame["label"], frame["score"]), abs=1e-12)


def test_a_pickled_model_is_refused_with_what_to_do(
    spark_session: SparkSession, project: Path, tmp_path: Path
) -> None:
    import joblib
    from sklearn.linear_model import LogisticRegression

    train = binary_frame(200, seed=1)
    joblib.dump(LogisticRegression().fit(train[FEATURES], train["label"]), project / "m.joblib")
    document = yaml.safe_load((project / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document["model"] = {"path": "m.joblib", "task": "classification", "trust": "pickle"}
    document.pop("baseline")
    context = load_context(write_policy(project, document, "pickle.yaml"))
    with pytest.raises(GateError, match="scores ONNX models on its executors"):
        scored(context, "model")


def test_prediction_drift_equals_the_pandas_engine(
    spark_session: SparkSession, project: Path
) -> None:
    """PSI on the model's scores (reference vs eval) from Spark columns, as in memory."""
    from mlops_gate.engine.runner import run_gates

    document = yaml.safe_load((project / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document.pop("baseline")
    document["gates"] = [
        {"type": "drift", "columns": ["f0"], "predictions": True, "max": 10.0, "bins": 7}
    ]
    results = {}
    for engine in ("pandas", "spark"):
        document["data"]["engine"] = engine
        (result,) = run_gates(load_context(write_policy(project, document, f"drift-{engine}.yaml")))
        assert not result.internal_error, result.message
        results[engine] = result
    spark, pandas = results["spark"].details, results["pandas"].details
    assert spark["columns"]["prediction"] == pytest.approx(
        pandas["columns"]["prediction"], abs=1e-9
    )
    assert spark["bins"]["prediction"] == pandas["bins"]["prediction"]
    assert results["spark"].value == pytest.approx(results["pandas"].value, abs=1e-9)


def test_reserved_column_names_are_refused(spark_session: SparkSession, project: Path) -> None:
    frame = pd.read_parquet(project / "eval.parquet").assign(**{ROW_ID: 1})
    frame.to_parquet(project / "clash.parquet", index=False)
    document = yaml.safe_load((project / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document["data"]["eval"] = "clash.parquet"
    context = load_context(write_policy(project, document, "clash.yaml"))
    with pytest.raises(GateError, match="reserved"):
        scored(context, "model")
