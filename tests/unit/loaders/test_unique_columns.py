"""A table whose column names repeat is refused with one line (found by the fuzz harness)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_gate.errors import InputError
from mlops_gate.loaders.data import read_table


def test_a_csv_header_naming_a_column_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "eval.csv"
    path.write_text("f0,f0,label\n1,2,0\n3,4,1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"eval.csv: column 'f0' appears more than once"):
        read_table(path)
