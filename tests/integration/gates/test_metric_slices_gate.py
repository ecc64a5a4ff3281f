"""Metric gates per slice (issue 16, TFX Evaluator's sliced metrics): every slice must hold.

Each slice's expected number is scikit-learn's on that slice's rows of ONNX Runtime's outputs.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
import yaml
from sklearn import metrics as sk

from mlops_gate.engine.runner import run_gates
from mlops_gate.errors import PolicyError
from mlops_gate.results import GateResult, Verdict
from tests.support import (
    FEATURES,
    basic_project,
    binary_frame,
    load_context,
    train_onnx,
    write_policy,
    write_table,
)

pytestmark = pytest.mark.integration

_names = (f"policy-{i}.yaml" for i in itertools.count())


def sited(frame: pd.DataFrame) -> pd.DataFrame:
    """Two big sites, a 40-row clinic, a 10-row site and 35 rows without a site."""
    rng = np.random.default_rng(7)
    site = rng.choice(["hospital_a", "hospital_b"], size=len(frame)).astype(object)
    site[:10], site[10:50], site[50:85] = "tiny", "clinic_c", None
    return frame.assign(site=site)


EVAL = sited(binary_frame(2000, seed=2))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("metric-slices")
    basic_project(root, [{"type": "metric", "metric": "f1", "min": 0.5}])
    write_table(EVAL, root / "eval.parquet")
    write_table(
        EVAL.assign(label=np.where(EVAL["site"] == "clinic_c", 0, EVAL["label"])),
        root / "no_pos.parquet",
    )
    train_onnx(binary_frame(2000, seed=1), root / "weak.onnx", features=["f0"])
    return root


def check(project: Path, gate: dict[str, Any], **policy: Any) -> GateResult:
    document = yaml.safe_load((project / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document["data"]["ignore"] = ["id", "group", "site"]
    document.update(policy)
    document["gates"] = [{"type": "metric", **gate}]
    (result,) = run_gates(load_context(write_policy(project, document, next(_names))))
    assert not result.internal_error, result.message
    assert json.loads(json.dumps(result.to_json(), allow_nan=False)) == result.to_json()
    return result


def labels_of(path: Path, frame: pd.DataFrame, width: int = len(FEATURES)) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    features = frame[FEATURES[:width]].to_numpy(dtype=np.float32)
    return np.asarray(session.run(None, {session.get_inputs()[0].name: features})[0])


def by_name(result: GateResult) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in result.details["slices"]}


def test_every_slice_is_reported_with_sklearns_number_and_small_ones_are_skipped(
    project: Path,
) -> None:
    result = check(project, {"metric": "recall", "min": 0.5, "slice_by": ["site"]})
    labels = labels_of(project / "model.onnx", EVAL)
    slices = by_name(result)
    assert result.verdict is Verdict.PASS, result.message
    assert sorted(slices) == [
        "site=clinic_c",
        "site=hospital_a",
        "site=hospital_b",
        "site=null",
        "site=tiny",
    ]
    assert slices["site=tiny"] == {
        "slice": {"site": "tiny"},
        "name": "site=tiny",
        "rows": 10,
        "verdict": "skip",
    }
    for name, entry in slices.items():
        if name == "site=tiny":
            continue
        rows = EVAL["site"].isna() if name == "site=null" else EVAL["site"] == name[5:]
        expected = sk.recall_score(EVAL["label"][rows], labels[rows])
        assert entry["rows"] == int(rows.sum())
        assert entry["value"] == pytest.approx(expected, abs=1e-12), name
        assert entry["verdict"] == "pass"
    assert "1 skip" in result.message


def test_the_gate_fails_on_its_worst_slice_and_names_it(project: Path) -> None:
    labels = labels_of(project / "model.onnx", EVAL)
    recall = {
        site: sk.recall_score(EVAL["label"][EVAL["site"] == site], labels[EVAL["site"] == site])
        for site in ("hospital_a", "hospital_b", "clinic_c")
    }
    worst = min(recall, key=recall.__getitem__)
    between = sorted(recall.values())[:2]
    result = check(
        project,
        {"metric": "recall", "min": sum(between) / 2, "slice_by": ["site"], "min_slice_rows": 36},
    )
    assert result.verdict is Verdict.FAIL
    assert result.value == pytest.approx(recall[worst], abs=1e-12)
    assert result.details["worst_slice"] == f"site={worst}"
    assert f"recall [site={worst}]" in result.message
    assert by_name(result)["site=null"]["verdict"] == "skip"  # 35 rows under 36


def test_one_named_slice_and_a_too_small_one(project: Path) -> None:
    labels = labels_of(project / "model.onnx", EVAL)
    rows = EVAL["site"] == "hospital_b"
    result = check(project, {"metric": "f1", "min": 0.5, "slice": {"site": "hospital_b"}})
    assert result.value == pytest.approx(sk.f1_score(EVAL["label"][rows], labels[rows]), abs=1e-12)
    assert result.id == "metric:f1:hospital_b"
    small = check(project, {"metric": "f1", "min": 0.5, "slice": {"site": "tiny"}})
    assert small.verdict is Verdict.ERROR
    assert "10 eval rows, fewer than min_slice_rows 30" in small.message
    nothing = check(
        project, {"metric": "f1", "min": 0.5, "slice_by": ["site"], "min_slice_rows": 5000}
    )
    assert nothing.verdict is Verdict.ERROR
    assert "no slice of site has min_slice_rows 5000 rows" in nothing.message


def test_several_columns_slice_by_their_combinations(project: Path) -> None:
    result = check(project, {"metric": "accuracy", "min": 0.5, "slice_by": ["site", "group"]})
    expected = EVAL.groupby(["site", "group"], dropna=False).size()
    assert len(result.details["slices"]) == len(expected)
    assert {"site": "hospital_a", "group": "b"} in [
        entry["slice"] for entry in result.details["slices"]
    ]


def test_slices_compare_with_the_baseline_on_the_same_rows_with_intervals(project: Path) -> None:
    weak = {"path": "weak.onnx", "features": ["f0"]}
    gate = {
        "metric": "accuracy",
        "max_drop": 0.0,
        "slice_by": ["site"],
        "confidence": 0.9,
        "n_resamples": 100,
    }
    result = check(project, gate, baseline=weak)
    labels, weak_labels = (
        labels_of(project / "model.onnx", EVAL),
        labels_of(project / "weak.onnx", EVAL, 1),
    )
    entry = by_name(result)["site=hospital_a"]
    rows = EVAL["site"] == "hospital_a"
    expected = sk.accuracy_score(EVAL["label"][rows], weak_labels[rows])
    assert entry["baseline_value"] == pytest.approx(expected, abs=1e-12)
    assert entry["delta"] == pytest.approx(entry["value"] - expected)
    assert entry["ci_low"] <= entry["value"] <= entry["ci_high"]
    assert entry["delta_ci_low"] <= entry["delta"] <= entry["delta_ci_high"]
    assert sk.accuracy_score(EVAL["label"][rows], labels[rows]) == pytest.approx(entry["value"])


def test_a_slice_that_cannot_be_measured_is_an_error_in_its_entry(project: Path) -> None:
    data = {"eval": "no_pos.parquet", "target": "label", "ignore": ["id", "group", "site"]}
    result = check(project, {"metric": "recall", "min": 0.0, "slice_by": ["site"]}, data=data)
    entry = by_name(result)["site=clinic_c"]
    assert entry["verdict"] == "error"
    assert "positive class" in entry["message"]
    assert result.verdict is Verdict.ERROR
    assert result.details["worst_slice"] == "site=clinic_c"


def test_a_missing_slice_column_and_conflicting_keys(project: Path) -> None:
    result = check(project, {"metric": "f1", "min": 0.5, "slice_by": ["region"]})
    assert result.verdict is Verdict.ERROR
    assert "no column region to slice by" in result.message
    with pytest.raises(PolicyError, match="not both"):
        check(project, {"metric": "f1", "min": 0.5, "slice_by": ["site"], "slice": {"site": "a"}})


def test_hostile_slices_an_id_column_an_empty_set_and_control_characters(
    project: Path, tmp_path: Path
) -> None:
    many = check(project, {"metric": "f1", "min": 0.5, "slice_by": ["id"]})
    assert many.verdict is Verdict.ERROR
    assert "2000 slices, more than 1000" in many.message
    write_table(EVAL.iloc[:0], project / "empty.parquet")
    data = {"eval": "empty.parquet", "target": "label", "ignore": ["id", "group", "site"]}
    empty = check(project, {"metric": "f1", "min": 0.5, "slice_by": ["site"]}, data=data)
    assert empty.verdict is Verdict.ERROR
    odd = EVAL.assign(site=EVAL["site"].replace({"hospital_a": "a\x1b[31m\nb"}))
    write_table(odd, project / "odd.parquet")
    data = {"eval": "odd.parquet", "target": "label", "ignore": ["id", "group", "site"]}
    result = check(project, {"metric": "accuracy", "min": 0.5, "slice_by": ["site"]}, data=data)
    assert result.verdict is Verdict.PASS
    assert "site=a\x1b[31m\nb" in by_name(result)  # kept as data; every reporter escapes it
