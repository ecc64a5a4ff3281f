"""The `bias` gate's groups on real ONNX models: intersections, numeric bins, multiclass and
regression models, each checked against fairlearn's `MetricFrame` on predictions made by an ONNX
Runtime session opened in the test."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
from fairlearn import metrics as fl
from sklearn.metrics import mean_absolute_error, root_mean_squared_error

from mlops_gate.results import Verdict
from tests.support import (
    FEATURES,
    binary_frame,
    evaluate_one_gate,
    regression_frame,
    train_onnx,
    write_policy,
    write_table,
)

pytestmark = pytest.mark.integration
EXTRA = ["id", "group", "sex", "age", "site"]


def project(
    tmp_path: Path, gate: dict[str, Any], current: pd.DataFrame, *, task: str = "classification"
) -> Path:
    """model.onnx trained on `current` itself (seed 1 of the same shape) and one bias gate."""
    target = "label" if task == "classification" else "target"
    train = current.sample(frac=1.0, random_state=1)
    train_onnx(train, tmp_path / "model.onnx", target=target, task=task)
    write_table(current, tmp_path / "eval.parquet")
    policy = {
        "version": 1,
        "name": "groups",
        "model": {"path": "model.onnx", "task": task},
        "data": {"eval": "eval.parquet", "target": target, "features": FEATURES},
        "gates": [{"type": "bias", **gate}],
    }
    return write_policy(tmp_path, policy)


def people(n: int = 3000, seed: int = 2) -> pd.DataFrame:
    frame = binary_frame(n, seed=seed)
    rng = np.random.default_rng(seed)
    frame["sex"] = rng.choice(["F", "M"], size=n)
    frame["age"] = rng.integers(18, 80, size=n)
    frame["site"] = rng.choice(["north", "south", "west"], size=n)
    return frame


def labels(tmp_path: Path, frame: pd.DataFrame, output: str = "label") -> np.ndarray:
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    (out,) = session.run([output], {"X": frame[FEATURES].to_numpy(dtype=np.float32)})
    return np.asarray(out).reshape(-1)


def frame_of(metrics: Any, y_true: Any, y_pred: Any, groups: Any) -> fl.MetricFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fl.MetricFrame(
            metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=groups
        )


def test_intersections_are_value_combinations_named_readably(tmp_path: Path) -> None:
    current = people()
    gate = {"sensitive": ["sex", "site"], "max": 0.5}
    result = evaluate_one_gate(project(tmp_path, gate, current))
    y_pred = labels(tmp_path, current)
    frame = frame_of(
        {"count": fl.count, "selection_rate": fl.selection_rate},
        current["label"],
        y_pred,
        current[["sex", "site"]],
    )
    assert result.value == pytest.approx(float(frame.difference()["selection_rate"]), abs=1e-12)
    expected = {f"sex={s}, site={t}": row for (s, t), row in frame.by_group.iterrows()}
    assert list(result.details["groups"]) == list(expected)  # fairlearn's order too
    for name, row in expected.items():
        assert result.details["groups"][name]["rows"] == int(row["count"])
        assert result.details["groups"][name]["selection_rate"] == pytest.approx(
            row["selection_rate"], abs=1e-6
        )
    assert result.id == "bias:sex+site"
    assert result.details["sensitive"] == ["sex", "site"]


def test_numeric_column_without_bins_is_refused_naming_bins(tmp_path: Path) -> None:
    result = evaluate_one_gate(project(tmp_path, {"sensitive": "age", "max": 0.5}, people()))
    assert result.verdict == Verdict.ERROR
    assert result.message.startswith("sensitive column 'age' is numeric with 62 distinct values")
    assert "set `bins` for it" in result.message


def test_a_numeric_flag_with_few_values_is_a_group_per_value(tmp_path: Path) -> None:
    current = people()
    current["flag"] = (current["id"] % 2).astype("int64")
    result = evaluate_one_gate(project(tmp_path, {"sensitive": "flag", "max": 0.5}, current))
    assert set(result.details["groups"]) == {"0", "1"}
    assert result.verdict == Verdict.PASS, result.message


def test_explicit_edges_bin_a_numeric_column(tmp_path: Path) -> None:
    current = people()
    current.loc[:9, "age"] = np.nan  # 10 rows without an age: a group of their own
    gate = {"sensitive": "age", "bins": [30, 50], "max": 0.5, "min_group_size": 5}
    result = evaluate_one_gate(project(tmp_path, gate, current))
    y_pred = labels(tmp_path, current)
    age = current["age"].to_numpy()
    names = np.array(["age < 30", "30 ≤ age < 50", "age ≥ 50", "(missing)"])
    codes = np.where(np.isnan(age), 3, np.searchsorted([30.0, 50.0], age, side="right"))
    frame = frame_of(fl.selection_rate, current["label"], y_pred, names[codes])
    assert result.value == pytest.approx(float(frame.difference()), abs=1e-12)
    assert list(result.details["groups"]) == list(names)
    assert result.details["groups"]["(missing)"]["rows"] == 10
    assert result.details["groups"]["age < 30"]["rows"] == int((age < 30).sum())
    assert result.details["bins"] == {"age": [30.0, 50.0]}


def test_a_count_of_bins_uses_quantile_edges(tmp_path: Path) -> None:
    current = people()
    gate = {"sensitive": ["sex", "age"], "bins": {"age": 3}, "max": 0.5}
    result = evaluate_one_gate(project(tmp_path, gate, current))
    age = current["age"].to_numpy(dtype=float)
    edges = np.unique(np.quantile(age, [1 / 3, 2 / 3]))
    assert result.details["bins"] == {"age": edges.tolist()}
    codes = np.searchsorted(edges, age, side="right")
    y_pred = labels(tmp_path, current)
    groups = pd.DataFrame({"sex": current["sex"], "age": codes})
    frame = frame_of(fl.selection_rate, current["label"], y_pred, groups)
    assert result.value == pytest.approx(float(frame.difference()), abs=1e-12)
    assert len(result.details["groups"]) == 6
    assert "sex=F, age < " in next(iter(result.details["groups"]))


def test_infinite_values_fall_in_the_outer_bins(tmp_path: Path) -> None:
    current = people()
    current["age"] = current["age"].astype(float)
    current.loc[:39, "age"] = np.inf
    current.loc[40:79, "age"] = -np.inf
    gate = {"sensitive": "age", "bins": [40], "max": 0.5}
    result = evaluate_one_gate(project(tmp_path, gate, current))
    rows = {name: g["rows"] for name, g in result.details["groups"].items()}
    age = current["age"].to_numpy()
    assert rows == {"age < 40": int((age < 40).sum()), "age ≥ 40": int((age >= 40).sum())}


def multiclass(n: int = 3000) -> pd.DataFrame:
    frame = people(n)
    score = 2.0 * frame["f0"] - 1.5 * frame["f1"]
    frame["label"] = np.digitize(score, [-1.0, 1.0]).astype("int64")
    return frame


def test_multiclass_names_the_default_class_it_gates(tmp_path: Path) -> None:
    current = multiclass()
    result = evaluate_one_gate(project(tmp_path, {"sensitive": "site", "max": 0.5}, current))
    y_pred = labels(tmp_path, current)
    expected = frame_of(fl.selection_rate, current["label"] == 1, y_pred == 1, current["site"])
    assert result.value == pytest.approx(float(expected.difference()), abs=1e-12)
    assert result.details["pos_label"] == 1
    note = "class 1 against the other 2 classes (the default pos_label; set pos_label to choose)"
    assert result.details["class_note"] == note
    assert note in result.message


def test_multiclass_pos_label_picks_the_class(tmp_path: Path) -> None:
    current = multiclass()
    gate = {"sensitive": "site", "max": 0.5, "pos_label": 2, "metric": "equalized_odds_difference"}
    result = evaluate_one_gate(project(tmp_path, gate, current))
    y_pred = labels(tmp_path, current)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = fl.equalized_odds_difference(
            current["label"] == 2, y_pred == 2, sensitive_features=current["site"]
        )
    assert result.value == pytest.approx(float(expected), abs=1e-12)
    assert result.details["pos_label"] == 2
    assert "class 2 against the other 2 classes (the gate's pos_label)" in result.message


def regression_people(n: int = 1500) -> pd.DataFrame:
    frame = regression_frame(n, seed=2)
    frame["site"] = np.random.default_rng(2).choice(["north", "south"], size=n)
    return frame


@pytest.mark.parametrize(
    ("metric", "error"),
    [("mae_difference", mean_absolute_error), ("rmse_difference", root_mean_squared_error)],
)
def test_regression_gap_is_fairlearns_group_error_gap(
    tmp_path: Path, metric: str, error: Any
) -> None:
    current = regression_people()
    gate = {"sensitive": "site", "metric": metric, "max": 0.05}
    result = evaluate_one_gate(project(tmp_path, gate, current, task="regression"))
    y_pred = labels(tmp_path, current, output="variable")
    frame = frame_of(error, current["target"], y_pred, current["site"])
    assert result.value == pytest.approx(float(frame.difference()), rel=1e-6)
    name = metric.split("_")[0]
    for group in ("north", "south"):
        assert result.details["groups"][group][name] == pytest.approx(
            frame.by_group[group], rel=1e-5
        )
    assert "selection_rate" not in result.details["groups"]["north"]
    assert result.verdict == Verdict.PASS, result.message


def test_regression_gap_with_confidence_has_an_interval(tmp_path: Path) -> None:
    current = regression_people()
    gate = {"sensitive": "site", "metric": "mae_difference", "max": 0.001, "confidence": 0.9}
    result = evaluate_one_gate(project(tmp_path, gate, current, task="regression"))
    interval = result.details["interval"]
    assert 0 <= interval["low"] <= interval["high"]
    assert result.verdict in (Verdict.PASS, Verdict.FAIL)
    assert (result.verdict == Verdict.FAIL) == (interval["low"] > 0.001)


def test_group_names_with_control_characters_and_one_row(tmp_path: Path) -> None:
    current = people()
    current["site"] = np.where(current["id"] % 2 == 0, "a\nb\x1b[31m", "c,d=e")
    current.loc[0, "site"] = "lonely"
    result = evaluate_one_gate(project(tmp_path, {"sensitive": "site", "max": 0.5}, current))
    assert result.verdict == Verdict.PASS, result.message
    assert result.details["excluded"] == ["lonely"]
    assert set(result.details["groups"]) == {"a\nb\x1b[31m", "c,d=e", "lonely"}


def test_values_that_spell_another_combination_are_an_error(tmp_path: Path) -> None:
    current = people()
    current["sex"] = np.where(current["id"] % 3 == 0, "F, site=north", "F")
    current["site"] = np.where(current["id"] % 3 == 0, "south", "north, site=south")
    gate = {"sensitive": ["sex", "site"], "max": 0.5}
    result = evaluate_one_gate(project(tmp_path, gate, current))
    assert result.verdict == Verdict.ERROR
    assert "two groups have the same name" in result.message


def test_a_column_of_ids_is_an_error_with_a_short_message(tmp_path: Path) -> None:
    current = people(20000, seed=3)
    current["site"] = current["id"].astype(str)  # 20,000 groups of one row
    result = evaluate_one_gate(project(tmp_path, {"sensitive": "site", "max": 0.5}, current))
    assert result.verdict == Verdict.ERROR
    assert result.message.startswith(
        "fewer than 2 groups of 'site' have at least 30 rows (0: 1 rows"
    )
    assert result.message.endswith("and 19980 more (details.groups)): a gap needs 2")
    assert len(result.details["groups"]) == 20000
