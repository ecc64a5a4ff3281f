"""The credit-risk example end to end, as `make example` runs it, in a temporary copy.

The scripts generate the data and train both models into the copy (never into the repository),
then `mlops-gate run` ships the challenger (build → check → image context → promote in the
embedded MLflow → local canary), and the drifted policy fails on drift only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.support import REPO, run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EXAMPLE = REPO / "examples" / "credit-risk"
SIX_GATE_TYPES = {"metric", "latency", "bias", "size", "drift", "expectations"}


def _script(name: str, *args: Path | str) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE / name), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example folder with freshly generated data and models."""
    root = tmp_path_factory.mktemp("example") / "credit-risk"
    shutil.copytree(
        EXAMPLE, root, ignore=shutil.ignore_patterns("data", "models", "dist", "__pycache__")
    )
    _script("make_data.py", "--out", root / "data")
    _script("train.py", "--data", root / "data", "--out", root / "models")
    built = run_cli(
        "build", str(root / "mlops-gate.yaml"), "--out", str(root / "dist"), "--no-image"
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return root


def _check(example: Path, policy: str, out: Path) -> tuple[subprocess.CompletedProcess[str], Any]:
    done = run_cli(
        "check", str(example / policy),
        "--json", str(out / "results.json"),
        "--junit", str(out / "junit.xml"),
        "--markdown", str(out / "report.md"),
        "--evidence", str(out / "evidence.json"),
        cwd=out,
    )  # fmt: skip
    results = (
        json.loads((out / "results.json").read_text()) if (out / "results.json").exists() else None
    )
    return done, results


def _by_type(results: Any, gate_type: str) -> list[dict[str, Any]]:
    return [gate for gate in results["gates"] if gate["type"] == gate_type]


def test_data_is_seeded_and_shaped_as_documented(example: Path, tmp_path: Path) -> None:
    import pandas as pd

    _script("make_data.py", "--out", tmp_path)
    for name in ("reference", "eval", "eval_drifted"):
        assert (tmp_path / f"{name}.parquet").read_bytes() == (
            example / "data" / f"{name}.parquet"
        ).read_bytes()
    reference, evaluation = (
        pd.read_parquet(example / "data" / f"{n}.parquet") for n in ("reference", "eval")
    )
    assert len(reference) >= 30_000
    assert len(evaluation) >= 10_000
    assert list(reference.columns) == list(evaluation.columns)
    assert {"id", "sex", "label", "employment"} <= set(reference.columns)


def test_models_carry_their_contract_in_onnx_metadata(example: Path) -> None:
    import onnx

    for name in ("model.onnx", "champion.onnx"):
        props = {p.key: p.value for p in onnx.load(str(example / "models" / name)).metadata_props}
        assert json.loads(props["classes"]) == [0, 1]
        assert "sex" not in json.loads(props["features"])


def test_the_main_policy_ships_end_to_end(example: Path, tmp_path: Path) -> None:
    done = run_cli(
        "run", str(example / "mlops-gate.yaml"),
        "--json", str(tmp_path / "results.json"),
        "--junit", str(tmp_path / "junit.xml"),
        "--markdown", str(tmp_path / "report.md"),
        "--evidence", str(tmp_path / "evidence.json"),
        cwd=tmp_path,
        env={"MLOPS_GATE_ENGINE": "none"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    stages = json.loads((tmp_path / "run.json").read_text())["stages"]
    assert {s["name"]: s["status"] for s in stages} == {
        "build": "up to date",  # the fixture built it; run found it current
        "check": "done",
        "image": "skipped",
        "promote": "done",
        "deploy": "done",
    }
    canary = json.loads((tmp_path / "deploy.json").read_text())
    assert canary["status"] == "promoted"
    assert canary["canary"]["requests"]["lost"] == 0
    assert [step["weight"] for step in canary["canary"]["steps"]] == [10, 50, 100]
    results = json.loads((tmp_path / "results.json").read_text())
    assert [v["variant"] for v in results["variants"]] == ["float", "int8"]
    assert results["verdict"] == "pass"
    assert results["exit_code"] == 0
    assert {gate["type"] for gate in results["gates"]} == SIX_GATE_TYPES
    assert all(gate["verdict"] in ("pass", "warn") for gate in results["gates"]), results["gates"]
    accuracy = next(g for g in _by_type(results, "metric") if g["id"] == "metric:accuracy")
    assert accuracy["value"] >= 0.90
    assert accuracy["baseline_value"] is not None
    assert accuracy["value"] > accuracy["baseline_value"], "the challenger beats the champion"
    (bias,) = _by_type(results, "bias")
    assert bias["value"] < 0.05
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    names = {case.get("name") for case in junit.findall(".//testcase")}
    assert {gate["id"] for gate in results["gates"]} <= names
    assert "PASS" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert (tmp_path / "evidence.json").is_file()


def test_the_drifted_policy_fails_on_drift_only(example: Path, tmp_path: Path) -> None:
    done, results = _check(example, "mlops-gate.drifted.yaml", tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert results["verdict"] == "fail"
    failed = {gate["type"] for gate in results["gates"] if gate["verdict"] == "fail"}
    assert failed == {"drift"}, results["gates"]
    assert not [gate for gate in results["gates"] if gate["verdict"] == "error"], results["gates"]
    (drift,) = _by_type(results, "drift")
    columns = drift["details"]["columns"]
    assert columns["income"] > 0.2
    assert columns["debt_ratio"] > 0.2
    assert columns["age"] < 0.1
