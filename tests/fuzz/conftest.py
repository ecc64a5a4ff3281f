"""The fuzz project: one small real model and data set, copied into a fresh folder per example."""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlops_gate import trust
from tests.support import binary_frame, train_onnx, write_table

ROWS = 200


@dataclass(frozen=True)
class FuzzProject:
    """The valid files every example starts from (a hostile example overwrites some)."""

    root: Path

    @property
    def model(self) -> bytes:
        return (self.root / "model.onnx").read_bytes()

    @contextmanager
    def workspace(self) -> Iterator[Path]:
        """A fresh copy of the project: the working directory of one example."""
        folder = Path(tempfile.mkdtemp(prefix="example-", dir=self.root.parent))
        try:
            for name in ("model.onnx", "eval.parquet", "reference.parquet"):
                shutil.copyfile(self.root / name, folder / name)
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def fuzz_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzProject]:
    root = tmp_path_factory.mktemp("fuzz") / "project"
    train = binary_frame(ROWS, seed=1)
    train_onnx(train, root / "model.onnx")
    write_table(binary_frame(ROWS, seed=2), root / "eval.parquet")
    write_table(train, root / "reference.parquet")
    # The cache key of this session, outside every example's folder; set for the forked children.
    saved = os.environ.get(trust.KEY_ENV)
    os.environ[trust.KEY_ENV] = str(root.parent / "cache.key")
    _import_heavy_libraries()
    try:
        yield FuzzProject(root)
    finally:
        if saved is None:
            os.environ.pop(trust.KEY_ENV, None)
        else:
            os.environ[trust.KEY_ENV] = saved


def _import_heavy_libraries() -> None:
    """Imported once here, so that each forked example starts with them loaded (milliseconds);
    every module of the package too, so that a child never mixes modules of two versions of a
    working tree that is being edited while the fuzzing runs."""
    import great_expectations  # noqa: F401
    import onnxruntime  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import mlops_gate
    from mlops_gate.gates.registry import gate_types

    for module in pkgutil.walk_packages(mlops_gate.__path__, "mlops_gate."):
        if not module.name.endswith("__main__"):  # that one runs the CLI
            with contextlib.suppress(ImportError):  # an optional integration not installed
                importlib.import_module(module.name)
    gate_types()
