"""What the evidence binds for Spark data (issue 15): a local file or each data file of a local
directory; a table or a remote URL binds nothing, so promote refuses it. No Spark is started:
`validate` and the input list must work without a JVM."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_gate.engine.inputs import missing_inputs, policy_inputs, shipped_inputs
from mlops_gate.errors import PromotionRefused
from mlops_gate.gates.registry import load_policy
from tests.support import binary_frame, write_policy, write_table


def _policy(folder: Path, eval_: str, reference: str) -> Path:
    document = {
        "version": 1,
        "name": "spark-inputs",
        "data": {"engine": "spark", "eval": eval_, "reference": reference},
        "gates": [{"type": "drift", "max": 0.2}],
    }
    return write_policy(folder, document)


def test_a_directory_is_its_data_files(tmp_path: Path) -> None:
    folder = tmp_path / "ref"
    (folder / "year=2026").mkdir(parents=True)
    write_table(binary_frame(10), folder / "year=2026" / "part-0.parquet")
    write_table(binary_frame(10), folder / "part-1.parquet")
    (folder / "_SUCCESS").write_text("", encoding="utf-8")
    (folder / ".part-1.parquet.crc").write_text("", encoding="utf-8")
    write_table(binary_frame(10), tmp_path / "eval.parquet")
    loaded = load_policy(_policy(tmp_path, "eval.parquet", "ref"))
    listed = {item.name: item.path for item in policy_inputs(loaded)}
    assert listed == {
        "data.eval": tmp_path / "eval.parquet",
        "data.reference.file:part-1.parquet": folder / "part-1.parquet",
        "data.reference.file:year=2026/part-0.parquet": folder / "year=2026" / "part-0.parquet",
    }
    assert missing_inputs(loaded) == []
    assert set(shipped_inputs(loaded, tmp_path / "model.onnx")) == {"model", *listed}


def test_tables_and_urls_are_not_files_and_are_not_promoted(tmp_path: Path) -> None:
    loaded = load_policy(_policy(tmp_path, "table:ml.credit.eval", "s3a://lake/credit/train/"))
    inputs = policy_inputs(loaded)
    assert [(item.name, item.path) for item in inputs] == [
        ("data.eval", None),
        ("data.reference", None),
    ]
    assert missing_inputs(loaded) == []  # validate: nothing to look for (test_spark_startup.py:
    # and no Spark started)
    with pytest.raises(PromotionRefused) as refused:
        shipped_inputs(loaded, tmp_path / "model.onnx")
    assert str(refused.value).startswith(
        "data.eval (table:ml.credit.eval), data.reference (s3a://lake/credit/train/): data read "
        "by Spark from a table or a remote path has no local bytes"
    )


def test_missing_and_empty_local_data_are_named(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    loaded = load_policy(_policy(tmp_path, "file:" + str(tmp_path / "gone.parquet"), "empty"))
    problems = missing_inputs(loaded)
    assert problems == [
        f"{tmp_path / 'gone.parquet'}: file not found (data.eval in {loaded.path})",
        f"{tmp_path / 'empty'}: no data files in this directory (data.reference in {loaded.path})",
    ]
