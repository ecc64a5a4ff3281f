"""pytest imports every installed pytest11 plugin in every run of every project: ours must be cheap."""

from __future__ import annotations

import subprocess
import sys

from mlops_gate.gates.pytest_run import plugin_args
from mlops_gate.pytest_plugin import MODULE

HEAVY = ("pandas", "numpy", "hypothesis", "onnxruntime", "onnx", "pydantic", "great_expectations")


def test_importing_the_plugin_imports_nothing_heavy() -> None:
    probe = f"import sys, {MODULE}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_without_its_entry_point_the_plugin_is_named_with_p() -> None:
    from importlib.metadata import entry_points

    if any(ep.value == MODULE for ep in entry_points(group="pytest11")):
        assert plugin_args() in ([], ["-p", "mlops_gate"])  # installed: the entry point loads it
    else:
        assert plugin_args() == ["-p", MODULE]
