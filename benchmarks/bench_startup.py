"""CLI start-up: `mlops-gate --help` / `--version` against `python -c "import typer"`.

    python benchmarks/bench_startup.py [--repeats N]

Fresh processes of the project venv, interleaved (typer, --help, --version, typer, ...) so that
the shared machine's load hits all three alike; wall time from spawn to exit. The ratio uses
medians. Target (issue 8): <= 1.5x. Also records the heaviest imports of `--help` from
`python -X importtime`, the profile to read when the target is missed.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time

from _common import PROJECT_PYTHON, REPO, BenchResult, summary, write_result

TARGET = 1.5
CLI = str(PROJECT_PYTHON.parent / "mlops-gate")
COMMANDS = {
    "import typer": [str(PROJECT_PYTHON), "-c", "import typer"],
    "mlops-gate --help": [CLI, "--help"],
    "mlops-gate --version": [CLI, "--version"],
}
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def wall(command: list[str]) -> float:
    """Wall seconds of one fresh process, spawn to exit."""
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def heaviest_imports(count: int = 8) -> list[tuple[str, float]]:
    """The imports of `--help` two levels deep (the CLI module's own), by cumulative ms."""
    done = subprocess.run(
        [str(PROJECT_PYTHON), "-X", "importtime", "-m", "mlops_gate", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    found = []
    for line in done.stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match and len(match.group(3)) <= 3:  # indent 1 (top level) or 3 (imported by it)
            found.append((match.group(4), int(match.group(2)) / 1000))
    return sorted(found, key=lambda item: item[1], reverse=True)[:count]


def main(repeats: int) -> None:
    """Interleave the three commands `repeats` times and write the rows."""
    for command in COMMANDS.values():  # warm the page cache; not timed
        wall(command)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(repeats):
        for name, command in COMMANDS.items():
            times[name].append(wall(command))
    result = BenchResult("startup")
    result.raw = {name: summary(values) for name, values in times.items()}
    result.raw["repeats"] = repeats
    result.raw["heaviest_imports_ms"] = heaviest_imports()
    base = statistics.median(times["import typer"])
    result.add("python -c 'import typer' (median)", base * 1e3, "ms")
    for name in ("mlops-gate --help", "mlops-gate --version"):
        median = statistics.median(times[name])
        result.add(f"{name} (median)", median * 1e3, "ms")
        ratio = median / base
        result.add(f"{name} / import typer", ratio, "x", f"<= {TARGET}x", ratio <= TARGET)
    write_result(result)


if __name__ == "__main__":
    main(int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 30)
