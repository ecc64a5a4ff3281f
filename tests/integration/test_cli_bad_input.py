"""Bad input through the real CLI: exit 2, one clear line per problem, no traceback, nothing half-written."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support import basic_project, binary_frame, run_cli, write_table

pytestmark = pytest.mark.integration

ACCURACY = {"type": "metric", "metric": "accuracy", "min": 0.5}


def _check(policy: Path, *extra: str) -> tuple[int, str, str]:
    done = run_cli(
        "check",
        str(policy),
        "--evidence",
        str(policy.parent / "evidence.json"),
        *extra,
        cwd=policy.parent,
    )
    assert "Traceback" not in done.stdout + done.stderr
    return done.returncode, done.stdout, done.stderr


def test_passing_policy_exits_0_and_writes_reports(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [ACCURACY, {"type": "size", "max_mb": 1}])
    out = tmp_path / "out"
    code, stdout, _ = _check(
        policy,
        "--json",
        str(out / "r.json"),
        "--junit",
        str(out / "j.xml"),
        "--markdown",
        str(out / "r.md"),
    )
    assert code == 0, stdout
    assert "PASS" in stdout
    assert "metric:accuracy" in stdout
    assert all((out / name).is_file() for name in ("r.json", "j.xml", "r.md"))
    assert (tmp_path / "evidence.json").is_file()


def test_failing_gate_exits_1(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [{**ACCURACY, "min": 0.999}])
    code, stdout, _ = _check(policy)
    assert code == 1
    assert "FAIL" in stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nname: [x\n", "invalid YAML"),
        ("version: 1\nname: x\ngates:\n  - {type: nope}\n", "unknown gate type 'nope'"),
        (
            "version: 1\nname: x\ncolour: red\ngates:\n  - {type: size, max_mb: 1}\n",
            "unknown key 'colour'",
        ),
        (
            "version: 1\nname: x\nmodel: {path: m.onnx}\ngates:\n  - {type: size, max_mb: big}\n",
            "valid number",
        ),
    ],
)
def test_malformed_policy(tmp_path: Path, text: str, expected: str) -> None:
    policy = tmp_path / "mlops-gate.yaml"
    policy.write_text(text, encoding="utf-8")
    code, _, stderr = _check(policy)
    assert code == 2
    assert expected in stderr
    assert all(line.startswith(f"error: {policy}:") for line in stderr.splitlines())
    assert not (tmp_path / "evidence.json").exists()


def test_missing_files_are_listed_before_anything_runs(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [ACCURACY])
    (tmp_path / "model.onnx").unlink()
    (tmp_path / "eval.parquet").unlink()
    code, _, stderr = _check(policy)
    assert code == 2
    assert stderr.splitlines() == [
        f"error: {tmp_path / 'model.onnx'}: file not found (model.path in {policy})",
        f"error: {tmp_path / 'eval.parquet'}: file not found (data.eval in {policy})",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty (0 bytes)"),
        (
            b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n",
            "Git LFS pointer",
        ),
        (None, "not a loadable ONNX model"),  # truncated
    ],
)
def test_broken_model_file(tmp_path: Path, content: bytes | None, expected: str) -> None:
    policy = basic_project(tmp_path, [ACCURACY])
    model = tmp_path / "model.onnx"
    model.write_bytes(model.read_bytes()[:100] if content is None else content)
    code, stdout, _ = _check(policy)
    assert code == 2
    assert expected in stdout
    assert "COULD NOT DECIDE" in stdout


class _Booby:
    """Unpickling this creates a marker file: proof that the pickle was (or was not) executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_untrusted_pickle_is_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    policy = basic_project(tmp_path, [ACCURACY], model={"path": "model.pkl"})
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(_Booby(marker)))
    code, stdout, _ = _check(policy)
    assert code == 2
    assert "refusing to unpickle an untrusted model" in stdout
    assert not marker.exists()


def test_trusted_sklearn_pickle_is_evaluated(tmp_path: Path) -> None:
    import joblib
    from sklearn.linear_model import LogisticRegression

    policy = basic_project(tmp_path, [ACCURACY], model={"path": "model.joblib", "trust": "pickle"})
    train = binary_frame(500, seed=1)
    joblib.dump(
        LogisticRegression().fit(train[["f0", "f1", "f2", "f3"]], train["label"]),
        tmp_path / "model.joblib",
    )
    code, stdout, _ = _check(policy)
    assert code == 0, stdout


def test_target_column_missing(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [ACCURACY])
    write_table(binary_frame(300, seed=5).drop(columns=["label"]), tmp_path / "eval.parquet")
    code, stdout, _ = _check(policy)
    assert code == 2
    assert "target column 'label' not found" in stdout


def test_feature_column_missing_and_wrong_type(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [ACCURACY])
    write_table(binary_frame(300, seed=5).drop(columns=["f2"]), tmp_path / "eval.parquet")
    code, stdout, _ = _check(
        policy
    )  # features inferred from the data: 3 columns for a 4-input model
    assert code == 2
    assert "takes 4 features but 3 were given (f0, f1, f3)" in stdout
    declared = policy.read_text(encoding="utf-8").replace(
        "target: label", "target: label\n  features: [f0, f1, f2, f3]"
    )
    policy.write_text(declared, encoding="utf-8")
    code, stdout, _ = _check(policy)
    assert code == 2
    assert "feature columns missing from the data: f2" in stdout
    frame = binary_frame(300, seed=5)
    frame["f1"] = frame["f1"].astype(str) + "x"
    write_table(frame, tmp_path / "eval.parquet")
    code, stdout, _ = _check(policy)
    assert code == 2
    assert "not numeric" in stdout
    assert "f1 (str)" in stdout


def test_nan_target_is_an_error_not_a_pass(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [ACCURACY])
    frame = binary_frame(300, seed=5).astype({"label": "float64"})
    frame.loc[3, "label"] = np.nan
    write_table(frame, tmp_path / "eval.parquet")
    code, stdout, _ = _check(policy)
    assert code == 2
    assert "missing values" in stdout


def test_empty_and_corrupt_data(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [ACCURACY])
    write_table(binary_frame(300, seed=5).iloc[:0], tmp_path / "eval.parquet")
    code, stdout, _ = _check(policy)
    assert code == 2
    assert "empty (0 rows)" in stdout
    (tmp_path / "eval.parquet").write_bytes(b"PAR1 not really")
    code, stdout, _ = _check(policy)
    assert code == 2
    assert "not a readable Parquet file" in stdout


def test_csv_data_is_read(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [ACCURACY])
    write_table(binary_frame(500, seed=2), tmp_path / "eval.csv")
    text = policy.read_text(encoding="utf-8").replace("eval.parquet", "eval.csv")
    policy.write_text(text, encoding="utf-8")
    code, stdout, _ = _check(policy)
    assert code == 0, stdout


def test_validate_reports_and_exits(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [ACCURACY])
    done = run_cli("validate", str(policy))
    assert done.returncode == 0
    assert done.stdout.strip() == f"{policy}: valid (1 gates: metric:accuracy)"


def test_init_writes_a_valid_starter_and_never_overwrites(tmp_path: Path) -> None:
    assert run_cli("init", cwd=tmp_path).returncode == 0
    assert run_cli("validate", "--offline", cwd=tmp_path).returncode == 0
    again = run_cli("init", cwd=tmp_path)
    assert again.returncode == 2
    assert "already exists" in again.stderr


def test_schema_is_json_schema_with_every_gate(tmp_path: Path) -> None:
    import json

    done = run_cli("schema")
    schema = json.loads(done.stdout)
    assert done.returncode == 0
    gate_refs = json.dumps(schema["properties"]["gates"])
    for gate in ("metric", "latency", "bias", "size", "drift", "expectations"):
        assert gate.capitalize() in json.dumps(schema["$defs"]) or gate in gate_refs


def test_gate_files_are_checked_like_the_policy_files(tmp_path: Path) -> None:
    gates = [
        {"type": "expectations", "suite": "suite.json"},
        {"type": "equivalence", "source": {"path": "source.joblib", "trust": "pickle"}},
    ]
    policy = basic_project(tmp_path, gates)
    done = run_cli("validate", str(policy))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {tmp_path / 'suite.json'}: file not found (gates[0].suite in {policy})",
        f"error: {tmp_path / 'source.joblib'}: file not found (gates[1].source.path in {policy})",
    ]
