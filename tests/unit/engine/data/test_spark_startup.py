"""PySpark stays out of `--help`, of `validate` (even of a Spark policy) and of pandas policies'
checks (issue 15, item 1): the engine imports it only when a Spark session starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO, basic_project, write_policy

PROBE = """
import sys
sys.argv = ["mlops-gate", *{args!r}]
from mlops_gate.cli import app
try:
    app()
except SystemExit as exc:
    print("EXIT=" + str(exc.code))
print("PYSPARK=" + str(any(m.split(".")[0] in ("pyspark", "py4j") for m in sys.modules)))
"""


def _probe(args: list[str], cwd: Path) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert "PYSPARK" in lines, done.stdout + done.stderr
    return lines.get("EXIT", ""), lines["PYSPARK"]


@pytest.mark.parametrize("args", [["--help"], ["schema"]])
def test_help_does_not_import_pyspark(args: list[str]) -> None:
    assert _probe(args, REPO)[1] == "False"


def test_validate_of_a_spark_policy_starts_no_spark(tmp_path: Path) -> None:
    document = {
        "version": 1,
        "name": "lake",
        "data": {"engine": "spark", "eval": "table:ml.eval", "reference": "s3a://lake/ref/"},
        "spark": {"master": "spark://127.0.0.1:1"},
        "gates": [{"type": "drift", "max": 0.2}],
    }
    write_policy(tmp_path, document)
    assert _probe(["validate", "--offline", "mlops-gate.yaml"], tmp_path) == ("0", "False")


def test_a_pandas_check_does_not_import_pyspark(tmp_path: Path) -> None:
    basic_project(tmp_path, [{"type": "drift", "max": 5, "columns": ["f1"]}])
    code, imported = _probe(["check", "mlops-gate.yaml", "--no-cache"], tmp_path)
    assert code == "0"
    assert imported == "False"
