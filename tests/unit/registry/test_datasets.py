"""The data files as MLflow datasets (issue 17, item 4): rows and schema from the file, the
digest from its sha256, without reading a Parquet file whole."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mlops_gate.errors import InputError
from mlops_gate.fsutil import sha256_file
from mlops_gate.registry.datasets import CONTEXT_TAG, DataFile, dataset_inputs, sample
from tests.support import binary_frame, write_table


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_sample_gives_the_first_rows_and_the_row_count(tmp_path: Path, suffix: str) -> None:
    frame = binary_frame(1234, seed=3)
    path = tmp_path / f"eval{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        write_table(frame, path)
    head, rows = sample(path, rows=7)
    assert rows == len(pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path))
    assert list(head.columns) == list(frame.columns)
    assert len(head) == 7


def test_one_dataset_input_per_file_with_its_context_and_digest(tmp_path: Path) -> None:
    path = write_table(binary_frame(50, seed=1), tmp_path / "eval.parquet")
    files = [DataFile("eval", path, "label"), DataFile("reference", tmp_path / "gone.parquet")]
    (found,) = dataset_inputs(files, "fraud")  # a file that is not there is left out
    assert [(t.key, t.value) for t in found.tags] == [(CONTEXT_TAG, "eval")]
    dataset = found.dataset
    assert dataset.digest == sha256_file(path)[:32]
    assert dataset.name == "fraud/eval"
    assert json.loads(dataset.profile) == {"num_rows": 50, "num_elements": 50 * 7}
    assert json.loads(dataset.source)["uri"] == str(path.resolve())
    assert json.loads(dataset.schema)["mlflow_colspec"][0]["name"] == "f0"


def test_an_empty_csv_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        sample(path)
