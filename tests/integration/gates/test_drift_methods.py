"""The drift gate's methods beside PSI (issue 16) on real Parquet files, against scipy.

Expected numbers come from scipy called here on the columns read with pandas, with bins built by
numpy.searchsorted (or a pandas crosstab for categories): none of it goes through the gate.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from mlops_gate.loaders import data as data_loader
from mlops_gate.results import Verdict
from tests.support import FEATURES, basic_project, binary_frame, evaluate_one_gate, write_table

pytestmark = pytest.mark.integration


def project(tmp_path: Path, gate: dict[str, Any], ref: pd.DataFrame, cur: pd.DataFrame) -> Path:
    policy = basic_project(tmp_path, [{"type": "drift", **gate}])
    write_table(ref, tmp_path / "reference.parquet")
    write_table(cur, tmp_path / "eval.parquet")
    return policy


def ks(ref: pd.Series, cur: pd.Series) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return stats.ks_2samp(ref.dropna().to_numpy(float), cur.dropna().to_numpy(float))


def decile_counts(ref: pd.Series, cur: pd.Series, bins: int = 10) -> np.ndarray:
    """DESIGN.md's bins (no NaN in these columns) as a 2 x k table."""
    r, c = ref.to_numpy(float), cur.to_numpy(float)
    edges = np.unique(np.quantile(r, [i / bins for i in range(1, bins)]))
    size = edges.size + 1
    count = [np.bincount(np.searchsorted(edges, x, side="right"), minlength=size) for x in (r, c)]
    return np.vstack(count)


def test_ks_gives_scipys_statistic_and_p_value_per_column(tmp_path: Path) -> None:
    ref, cur = binary_frame(800, seed=1), binary_frame(600, seed=2)
    cur["f1"] += 0.3
    result = evaluate_one_gate(project(tmp_path, {"method": "ks"}, ref, cur))
    expected = {c: ks(ref[c], cur[c]) for c in FEATURES}
    tests = result.details["tests"]
    for column, want in expected.items():
        assert result.details["columns"][column] == pytest.approx(want.statistic, abs=1e-6)
        assert tests[column]["p_value"] == pytest.approx(want.pvalue, rel=1e-5)
        assert tests[column]["method"] == "ks"
    assert result.value == pytest.approx(min(w.pvalue for w in expected.values()), rel=1e-12)
    assert result.threshold == 0.05
    assert result.details["comparator"] == "≥"
    drifted = [c for c in FEATURES if expected[c].pvalue < 0.05]
    assert "f1" in drifted
    assert result.verdict == Verdict.FAIL
    assert result.details["drifted"] == drifted
    assert result.message.startswith("KS p-value ")
    assert f"(< alpha 0.05); {len(drifted)} of 4 columns drifted" in result.message
    assert "bins" not in result.details or not result.details["bins"]


def test_wasserstein_is_scipys_distance_over_the_reference_std(tmp_path: Path) -> None:
    ref, cur = binary_frame(2000, seed=1), binary_frame(2000, seed=2)
    cur["f2"] = cur["f2"] * 1.6  # spread, not location: the tails move
    result = evaluate_one_gate(project(tmp_path, {"method": "wasserstein"}, ref, cur))
    for column in FEATURES:
        r, c = ref[column].to_numpy(), cur[column].to_numpy()
        want = stats.wasserstein_distance(r, c) / np.std(r)
        assert result.details["columns"][column] == pytest.approx(want, abs=1e-6)
    assert result.threshold == 0.1  # Evidently's default for the normalised distance
    assert result.verdict == Verdict.FAIL
    assert result.message.startswith("Wasserstein (normalised) ")
    assert "on f2 (> 0.1)" in result.message


def test_chisquare_on_categories_is_chi2_contingency_of_the_crosstab(tmp_path: Path) -> None:
    ref, cur = binary_frame(900, seed=1), binary_frame(700, seed=2)
    rng = np.random.default_rng(4)
    cur["group"] = rng.choice(["a", "b", "c"], p=[0.4, 0.5, 0.1], size=len(cur))
    cur.loc[:19, "group"] = None
    gate = {"method": "chisquare", "columns": ["group", "f0"]}
    result = evaluate_one_gate(project(tmp_path, gate, ref, cur))
    labelled = pd.concat(
        [
            pd.DataFrame({"set": "ref", "bin": ref["group"].fillna("<missing>")}),
            pd.DataFrame({"set": "cur", "bin": cur["group"].fillna("<missing>")}),
        ]
    )
    want = stats.chi2_contingency(pd.crosstab(labelled["set"], labelled["bin"]).to_numpy())
    got = result.details["tests"]["group"]
    assert got["statistic"] == pytest.approx(want.statistic, abs=1e-6)
    assert got["p_value"] == pytest.approx(want.pvalue, rel=1e-5, abs=1e-300)
    numeric = stats.chi2_contingency(decile_counts(ref["f0"], cur["f0"]))
    assert result.details["tests"]["f0"]["p_value"] == pytest.approx(numeric.pvalue, rel=1e-5)
    assert result.details["bins"]["group"]["categories"] == ["a", "b", "c", None]
    assert result.details["alpha"] == 0.05
    assert result.verdict == Verdict.FAIL
    assert "on group (< alpha 0.05)" in result.message


def test_jensenshannon_is_scipys_distance_on_the_psi_bins(tmp_path: Path) -> None:
    ref, cur = binary_frame(2000, seed=1), binary_frame(1500, seed=2, shift=0.2)
    result = evaluate_one_gate(project(tmp_path, {"method": "jensenshannon", "max": 0.2}, ref, cur))
    for column in FEATURES:
        table = decile_counts(ref[column], cur[column])
        want = distance.jensenshannon(table[0] / len(ref), table[1] / len(cur))
        assert result.details["columns"][column] == pytest.approx(want, abs=1e-6)
        assert result.details["bins"][column]["reference"] == pytest.approx(
            (table[0] / len(ref)).tolist(), abs=1e-6
        )
    assert result.verdict == Verdict.PASS
    assert result.message.startswith("largest Jensen-Shannon ")


def test_auto_uses_evidentlys_choice_and_fails_on_any_drifted_column(tmp_path: Path) -> None:
    ref, cur = binary_frame(1000, seed=1), binary_frame(1000, seed=2)
    cur["f3"] += 0.5
    gate = {"method": "auto", "columns": [*FEATURES, "group"]}
    small = evaluate_one_gate(project(tmp_path, gate, ref, cur))
    methods = {c: t["method"] for c, t in small.details["tests"].items()}
    assert methods == {**dict.fromkeys(FEATURES, "ks"), "group": "chisquare"}
    assert small.details["drifted"] == ["f3"]
    assert small.value == pytest.approx(1 / 5)
    assert small.threshold == 0.0
    assert small.verdict == Verdict.FAIL
    assert small.message.startswith("1 of 5 columns drifted (share 0.2 > 0): f3 (KS p ")
    big = binary_frame(1001, seed=1)
    large = evaluate_one_gate(project(tmp_path, gate, big, cur))
    methods = {c: t["method"] for c, t in large.details["tests"].items()}
    assert methods == {**dict.fromkeys(FEATURES, "wasserstein"), "group": "jensenshannon"}
    want = stats.wasserstein_distance(big["f3"], cur["f3"]) / np.std(big["f3"])
    assert large.details["columns"]["f3"] == pytest.approx(want, abs=1e-6)


def test_max_drifted_share_fails_only_above_the_share(tmp_path: Path) -> None:
    ref, cur = binary_frame(2000, seed=1), binary_frame(2000, seed=2)
    cur["f0"] += 1.0
    gate: dict[str, Any] = {"method": "psi", "max": 0.2, "max_drifted_share": 0.25}
    tolerated = evaluate_one_gate(project(tmp_path, gate, ref, cur))
    assert tolerated.verdict == Verdict.WARN  # passes: 1 of 4 drifted is the share allowed
    assert tolerated.value == 0.25
    assert tolerated.threshold == 0.25
    assert tolerated.details["tests"]["f0"]["verdict"] == "fail"
    assert tolerated.details["tests"]["f1"]["verdict"] == "pass"
    assert tolerated.message.startswith("1 of 4 columns drifted (share 0.25 ≤ 0.25): f0 (PSI ")
    cur["f1"] += 1.0
    failed = evaluate_one_gate(project(tmp_path, gate, ref, cur))
    assert failed.verdict == Verdict.FAIL
    assert failed.details["drifted"] == ["f0", "f1"]
    calm = evaluate_one_gate(project(tmp_path, gate, ref, binary_frame(2000, seed=2)))
    assert calm.verdict == Verdict.PASS
    assert calm.value == 0.0


def test_min_rows_is_an_error_below_it_never_a_pass(tmp_path: Path) -> None:
    ref, cur = binary_frame(500, seed=1), binary_frame(72, seed=2)
    result = evaluate_one_gate(project(tmp_path, {"max": 0.2, "min_rows": 100}, ref, cur))
    assert result.verdict == Verdict.ERROR
    assert result.message.endswith("has 72 rows, fewer than min_rows 100: too few to decide drift")
    empty = evaluate_one_gate(project(tmp_path, {"max": 0.2}, ref, cur.iloc[:0]))
    assert empty.verdict == Verdict.ERROR
    assert "eval.parquet" in empty.message
    assert "0 rows" in empty.message


def test_psi_on_72_rows_warns_that_its_bins_are_too_sparse(tmp_path: Path) -> None:
    # Issue 16: one empty bin on a 72-row eval set added 0.84 to PSI, with no warning.
    ref = binary_frame(2000, seed=1)
    cur = binary_frame(2000, seed=2)
    cur = cur[cur["f0"] > ref["f0"].quantile(0.1)].iloc[:72]
    result = evaluate_one_gate(project(tmp_path, {"max": 0.2, "columns": ["f0", "f1"]}, ref, cur))
    warnings_ = result.details["warnings"]
    assert warnings_[0].startswith("f0: sparse bins, ")
    assert "one empty bin gives" in warnings_[0]
    assert result.message.endswith("; sparse bins on f0 (details.warnings)")
    roomy = evaluate_one_gate(project(tmp_path, {"max": 0.2}, ref, binary_frame(2000, seed=2)))
    assert "warnings" not in roomy.details
    assert "sparse" not in roomy.message


def test_ks_on_a_categorical_column_is_an_error_naming_the_alternatives(tmp_path: Path) -> None:
    ref, cur = binary_frame(300, seed=1), binary_frame(300, seed=2)
    result = evaluate_one_gate(project(tmp_path, {"method": "ks", "columns": ["group"]}, ref, cur))
    assert result.verdict == Verdict.ERROR
    assert "drift method ks compares numeric columns, and 'group' is categorical" in result.message


def test_prediction_drift_with_ks_compares_the_model_scores(tmp_path: Path) -> None:
    import onnxruntime as ort

    ref, cur = binary_frame(2000, seed=1), binary_frame(2000, seed=2, shift=0.4)
    gate = {"method": "ks", "columns": ["f0"], "predictions": True}
    policy = project(tmp_path, gate, ref, cur)
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])

    def scores(frame: pd.DataFrame) -> pd.Series:
        (proba,) = session.run(["probabilities"], {"X": frame[FEATURES].to_numpy(np.float32)})
        return pd.Series(np.asarray(proba, dtype=np.float64)[:, 1])

    result = evaluate_one_gate(policy)
    want = ks(scores(ref), scores(cur))
    assert result.details["columns"]["prediction"] == pytest.approx(want.statistic, abs=1e-6)
    assert result.details["tests"]["prediction"]["p_value"] == pytest.approx(
        want.pvalue, rel=1e-5, abs=1e-300
    )


@pytest.mark.parametrize("method", ["chisquare", "jensenshannon", "ks", "auto"])
def test_streamed_parquet_gives_the_same_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    ref, cur = binary_frame(1500, seed=1), binary_frame(1200, seed=2, shift=0.1)
    for frame, seed in ((ref, 1), (cur, 2)):
        rng = np.random.default_rng(seed)
        frame.loc[rng.random(len(frame)) < 0.05, "f1"] = np.nan
        frame.loc[rng.random(len(frame)) < 0.05, "group"] = None
    gate = {"method": method, "columns": [*FEATURES, "group"]}
    if method == "ks":
        gate["columns"] = FEATURES
    policy = project(tmp_path, gate, ref, cur)
    whole = evaluate_one_gate(policy)
    monkeypatch.setenv("MLOPS_GATE_STREAM_BYTES", "1")
    monkeypatch.setattr(data_loader, "BATCH_ROWS", 97)
    streamed = evaluate_one_gate(policy)
    assert streamed.details == whole.details
    assert streamed.value == whole.value
    assert streamed.message == whole.message
    assert not math.isnan(whole.value)


HOSTILE = {
    "constant": lambda f: f.assign(f0=1.0),
    "all_nan": lambda f: f.assign(f0=np.nan),
    "infinite": lambda f: f.assign(f0=np.where(np.arange(len(f)) % 7 == 0, np.inf, f["f0"])),
    "huge": lambda f: f.assign(f0=f["f0"] * 1e307),
}


@pytest.mark.parametrize(
    ("method", "case", "side", "verdict", "message"),
    [
        ("wasserstein", "constant", "reference", "error", "the reference is constant"),
        ("wasserstein", "huge", "reference", "error", "too large for their standard deviation"),
        ("wasserstein", "infinite", "eval", "error", "infinite values make the Wasserstein"),
        ("jensenshannon", "infinite", "reference", "error", "infinite reference values"),
        ("jensenshannon", "all_nan", "eval", "fail", "Jensen-Shannon 0.833 on f0"),
        ("ks", "all_nan", "eval", "error", "the current set has no non-missing values"),
        ("ks", "infinite", "eval", "fail", "KS p-value"),
        ("chisquare", "constant", "reference", "fail", "on f0 (< alpha 0.05)"),
        ("auto", "constant", "eval", "fail", "f0 (KS p "),
    ],
)
def test_hostile_columns_are_errors_or_verdicts_never_crashes(
    tmp_path: Path, method: str, case: str, side: str, verdict: str, message: str
) -> None:
    frames = {"reference": binary_frame(300, seed=1), "eval": binary_frame(300, seed=2)}
    frames[side] = HOSTILE[case](frames[side])
    gate = {"method": method, "columns": ["f0"]}
    result = evaluate_one_gate(project(tmp_path, gate, frames["reference"], frames["eval"]))
    assert result.verdict.value == verdict, result.message
    assert message in result.message


def test_categories_with_control_characters_are_kept_as_data(tmp_path: Path) -> None:
    ref, cur = binary_frame(400, seed=1), binary_frame(400, seed=2)
    odd = "a\x00\x1b[31m\n"
    cur["group"] = [odd if i % 3 == 0 else g for i, g in enumerate(cur["group"])]
    gate = {"method": "chisquare", "columns": ["group"]}
    result = evaluate_one_gate(project(tmp_path, gate, ref, cur))
    assert result.details["bins"]["group"]["categories"] == ["a", odd, "b"]
    assert result.verdict == Verdict.FAIL
