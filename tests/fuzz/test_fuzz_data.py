"""Hostile tables and model files through the real `check`: exit 0, 1 or 2, never a traceback."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import FuzzProject
from tests.fuzz.data_strategies import hostile_model, hostile_table
from tests.fuzz.harness import assert_contract, fuzz_settings
from tests.fuzz.runners import run_forked
from tests.fuzz.strategies import base_policy, policy_yaml

pytestmark = [pytest.mark.fuzz, pytest.mark.integration]
CHECK = ["check", "mlops-gate.yaml", "--no-cache", "--json", "out/results.json"]


def write_table(path: Path, names: list[str], columns: list[list[Any]]) -> None:
    """Parquet (a column pyarrow cannot type becomes text) or CSV, written as is."""
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="", errors="surrogatepass") as handle:
            writer = csv.writer(handle)
            writer.writerow(names)
            writer.writerows(zip(*columns, strict=True))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = [_array(pa, values) for values in columns]
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path)


def _array(pa: Any, values: list[Any]) -> Any:
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return pa.array([None if v is None else str(v) for v in values])


def _check(
    project: FuzzProject,
    files: dict[str, bytes | tuple[list[str], list[list[Any]]]],
    policy: dict[str, Any],
    what: str,
) -> None:
    with project.workspace() as folder:
        for name, content in files.items():
            if isinstance(content, bytes):
                (folder / name).write_bytes(content)
            else:
                write_table(folder / name, *content)
        (folder / "mlops-gate.yaml").write_text(policy_yaml(policy), encoding="utf-8")
        assert_contract(run_forked(CHECK, folder), what)


@fuzz_settings()
@given(
    table=hostile_table(),
    suffix=st.sampled_from([".parquet", ".csv"]),
    which=st.sampled_from(["eval", "reference", "both"]),
    slow=st.sampled_from([False, False, False, True]),
)
def test_hostile_tables(
    fuzz_project: FuzzProject,
    table: tuple[list[str], list[list[Any]]],
    suffix: str,
    which: str,
    slow: bool,
) -> None:
    policy = base_policy(slow_gates=slow)
    files: dict[str, Any] = {}
    for role in ("eval", "reference"):
        if which in (role, "both"):
            files[f"hostile-{role}{suffix}"] = table
            policy["data"][role] = f"hostile-{role}{suffix}"
    _check(fuzz_project, files, policy, f"{which} table {suffix}: {table!r}"[:3000])


@fuzz_settings()
@given(data=st.data(), suffix=st.sampled_from([".onnx", ".onnx", ".pkl", ".joblib", ".pt"]))
def test_hostile_model_files(fuzz_project: FuzzProject, data: st.DataObject, suffix: str) -> None:
    model = data.draw(hostile_model(fuzz_project.model), label="model bytes")
    policy = base_policy(slow_gates=data.draw(st.booleans(), label="latency and expectations"))
    policy["model"]["path"] = f"hostile{suffix}"
    _check(fuzz_project, {f"hostile{suffix}": model}, policy, f"model{suffix}: {model[:300]!r}")
