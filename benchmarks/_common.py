"""Shared plumbing for the benchmarks: interpreters, worker processes, statistics, result files.

Standard library only: the `bench_*.py` drivers run under the project's interpreter, and the
workers they start run under either the project's venv (mlops-gate's side) or the anchors' venv
(Evidently, Great Expectations, a bare ONNX Runtime), so each side keeps its own dependencies.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
WORKERS = BENCH_DIR / "workers"
RESULTS = BENCH_DIR / "results"
PROJECT_PYTHON = Path(os.environ.get("MLOPS_GATE_PYTHON", REPO / ".venv" / "bin" / "python"))
ANCHORS_PYTHON = Path(
    os.environ.get("ANCHORS_PYTHON", BENCH_DIR / ".venv-anchors" / "bin" / "python")
)
GNU_TIME = Path("/usr/bin/time")
# Subprocess output is JSON on the last stdout line that starts with this marker.
RESULT_MARKER = "BENCH-RESULT "


@dataclass
class Row:
    """One line of the results table: a measured figure against its target."""

    benchmark: str
    measure: str
    value: float
    unit: str
    target: str = ""
    verdict: str = "info"  # PASS, MISS or info (reported, no target)
    note: str = ""


@dataclass
class BenchResult:
    """What one `bench_*.py` produces: table rows plus the raw figures behind them."""

    name: str
    rows: list[Row] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    agreement: list[str] = field(default_factory=list)

    def add(
        self,
        measure: str,
        value: float,
        unit: str,
        target: str = "",
        ok: bool | None = None,
        note: str = "",
    ) -> None:
        """One row; `ok` (met or not) only where there is a target."""
        state = "info" if ok is None else ("PASS" if ok else "MISS")
        self.rows.append(Row(self.name, measure, value, unit, target, state, note))

    def to_json(self) -> dict[str, Any]:
        """The JSON written to `<name>.json`."""
        return {
            "name": self.name,
            "rows": [asdict(r) for r in self.rows],
            "raw": self.raw,
            "agreement": self.agreement,
        }


def run_worker(python: Path, script: str, *args: str, timeout: float = 600) -> dict[str, Any]:
    """Run `workers/<script>` under `python`; return the JSON it printed after RESULT_MARKER."""
    command = [str(python), str(WORKERS / script), *args]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, cwd=REPO
    )
    found = [
        line.removeprefix(RESULT_MARKER)
        for line in done.stdout.splitlines()
        if line.startswith(RESULT_MARKER)
    ]
    if done.returncode != 0 or not found:
        lines = (done.stdout + done.stderr).splitlines()
        # The JVM's own error (an OutOfMemoryError) is far above the last lines of its trace.
        errors = [line.strip() for line in lines if re.search(r"\bjava\.lang\.\w+Error: ", line)]
        tail = "\n".join([*errors[:1], *lines[-25:]])
        raise RuntimeError(f"worker {script} {' '.join(args)} failed ({done.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads(found[-1])
    return result


def timed_command(command: Sequence[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB, from GNU time) and exit code of one fresh process."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        done = subprocess.run(
            [str(GNU_TIME), "-f", "%M", "-o", report.name, *command],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        wall = time.perf_counter() - start
        lines = [line for line in Path(report.name).read_text().splitlines() if line.strip()]
    return wall, int(lines[-1]) / 1024, done.returncode


def spread(values: Sequence[float]) -> float:
    """(max - min) / median: the run-to-run spread, as a fraction."""
    return (max(values) - min(values)) / statistics.median(values)


def summary(values: Sequence[float]) -> dict[str, float]:
    """Min, median and max of `values`."""
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def data_dir(argv: Sequence[str]) -> tuple[Path, bool]:
    """`--data DIR` if given (run.sh shares one), else a fresh temp dir this bench must remove."""
    if "--data" in argv:
        return Path(argv[list(argv).index("--data") + 1]), False
    return Path(tempfile.mkdtemp(prefix="mlops-gate-bench-")), True


def ensure_data(directory: Path, kind: str) -> None:
    """Generate the `kind` data set (see datagen.py) into `directory` unless it is there."""
    marker = directory / f"{kind}.done"
    if marker.exists():
        return
    subprocess.run(
        [str(PROJECT_PYTHON), str(BENCH_DIR / "datagen.py"), kind, str(directory)],
        check=True,
        cwd=REPO,
    )


def write_result(result: BenchResult, results_dir: Path | None = None) -> Path:
    """Write `<name>.json` into the run's results folder and print its table to stderr."""
    folder = results_dir or Path(os.environ.get("BENCH_RESULTS_DIR", RESULTS / "single"))
    folder.mkdir(parents=True, exist_ok=True)
    result.raw["load_average_at_end"] = os.getloadavg()  # the machine is shared: say how busy
    path = folder / f"{result.name}.json"
    path.write_text(json.dumps(result.to_json(), indent=2) + "\n")
    for row in result.rows:
        print(
            f"  {row.measure}: {row.value:.4g} {row.unit} {row.target} {row.verdict}",
            file=sys.stderr,
        )
    for line in result.agreement:
        print(f"  agree: {line}", file=sys.stderr)
    return path
