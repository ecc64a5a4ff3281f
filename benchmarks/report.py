"""Merge one run's `<bench>.json` files into `results.json` (with the machine) and print Markdown.

    python benchmarks/report.py benchmarks/results/<run>

Also copies the merged file to benchmarks/results/latest.json.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from _common import ANCHORS_PYTHON, PROJECT_PYTHON, RESULTS

ORDER = ("startup", "psi", "expectations", "latency", "example")
VERSIONS = """
import importlib.metadata as m, json, sys
names = %r
found = {}
for n in names:
    try:
        found[n] = m.version(n)
    except m.PackageNotFoundError:
        pass
print(json.dumps({"python": sys.version.split()[0], **found}))
"""
PACKAGES = [
    "mlops-gate",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "onnxruntime",
    "great-expectations",
    "evidently",
    "typer",
]


def versions(python: Path) -> dict[str, str]:
    """Python and library versions as `python` sees them."""
    if not python.exists():
        return {}
    # Not from the repo root: its mlops_gate.egg-info would be found on '' by any interpreter.
    done = subprocess.run(
        [str(python), "-c", VERSIONS % PACKAGES],
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
    )
    parsed: dict[str, str] = json.loads(done.stdout) if done.returncode == 0 else {}
    return parsed


def machine() -> dict[str, Any]:
    """Cores, CPU model, memory, load and both venvs' versions."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = [
        line.split(":", 1)[1].strip()
        for line in cpuinfo.splitlines()
        if line.startswith("model name")
    ]
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total = next(
        (line.split()[1] for line in meminfo.splitlines() if line.startswith("MemTotal")), "0"
    )
    return {
        "cores": os.cpu_count(),
        "cpu": models[0] if models else platform.processor(),
        "memory_gib": round(int(total) / 1024**2, 1),
        "load_average_at_end": os.getloadavg(),
        "platform": platform.platform(),
        "project_venv": versions(PROJECT_PYTHON),
        "anchors_venv": versions(ANCHORS_PYTHON),
    }


def number(value: float) -> str:
    """Three significant digits, without an exponent for the sizes seen here (e.g. 2,214)."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def markdown(benches: list[dict[str, Any]]) -> str:
    """The results table and the agreement checks, as Markdown."""
    lines = ["| benchmark | measure | value | target | verdict |", "|---|---|---|---|---|"]
    for bench in benches:
        for row in bench["rows"]:
            value = f"{number(row['value'])} {row['unit']}"
            lines.append(
                f"| {row['benchmark']} | {row['measure']} | {value} | {row['target']} "
                f"| {row['verdict'] if row['verdict'] != 'info' else ''} |"
            )
    checks = [f"- {b['name']}: {line}" for b in benches for line in b["agreement"]]
    if checks:
        lines += ["", "Agreement checks:", *checks]
    return "\n".join(lines)


def main(folder: Path) -> None:
    """Merge `folder`'s results, write results.json and latest.json, print the table."""
    found = {
        p.stem: json.loads(p.read_text()) for p in folder.glob("*.json") if p.stem != "results"
    }
    benches = [found[name] for name in ORDER if name in found]
    benches += [b for name, b in sorted(found.items()) if name not in ORDER]
    info = machine()
    merged = {"machine": info, "benchmarks": benches}
    target = folder / "results.json"
    target.write_text(json.dumps(merged, indent=2) + "\n")
    shutil.copyfile(target, RESULTS / "latest.json")
    print(
        f"{info['cores']} cores, {info['cpu']}, {info['memory_gib']} GiB, "
        f"load {info['load_average_at_end'][0]:.2f} at the end; results: {target}\n"
    )
    print(markdown(benches))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
