"""`mlops-gate --help` and `validate` must not import the heavy libraries (STYLE.md, issue #2 item 8)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO

HEAVY = ("mlflow", "great_expectations", "onnxruntime", "sklearn", "pandas")

PROBE = """
import sys
sys.argv = ["mlops-gate", *{args!r}]
from mlops_gate.cli import app
try:
    app()
except SystemExit:
    pass
print("LOADED=" + ",".join(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _loaded_heavy(args: list[str], cwd: Path) -> str:
    code = PROBE.format(args=args, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    line = [x for x in done.stdout.splitlines() if x.startswith("LOADED=")]
    assert line, done.stdout + done.stderr
    return line[-1].removeprefix("LOADED=")


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["check", "--help"], ["schema"]])
def test_help_imports_nothing_heavy(args: list[str]) -> None:
    assert _loaded_heavy(args, REPO) == ""


def test_validate_imports_nothing_heavy(tmp_path: Path) -> None:
    (tmp_path / "mlops-gate.yaml").write_text(
        (REPO / "mlops_gate" / "templates" / "mlops-gate.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    assert _loaded_heavy(["validate", "--offline", "mlops-gate.yaml"], tmp_path) == ""
