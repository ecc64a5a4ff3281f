"""`check` on Parquet larger than memory (issue #8): drift + metric + bias gates, peak RSS and time.

    python benchmarks/large_parquet.py [--rows N] [--reference-rows N] [--dir DIR] [--keep]

Writes eval.parquet (default 50,000,000 rows x 20 columns: 18 float64 features, a string
`segment`, an int8 `label`; ~7.5 GB) and reference.parquet (default a fifth of the rows), one
row group of 1,000,000 rows at a time so generating it stays under ~0.5 GB. Trains a logistic
regression on 200,000 rows and exports it to ONNX, writes a policy with drift (every column, 10
quantile bins), metric (roc_auc and accuracy) and bias (demographic parity on `segment`) gates,
then runs `/usr/bin/time -v mlops-gate check ... --no-cache` and reports wall time and peak RSS.
Both files are above the 1 GiB streaming threshold, so they are read by column and record batch.

Disk: (rows + reference rows) x ~150 bytes; when DIR's file system has less free space than that
(plus 2 GB), the rows are scaled down to fit and a note says so. The data is
removed afterwards unless --keep (and reused when DIR already holds it for the same sizes).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from _common import PROJECT_PYTHON, BenchResult, write_result
from pyarrow import parquet

FEATURES = [f"x{i:02d}" for i in range(18)]
SEGMENTS = np.array(["north", "south", "east", "west", "online"])
ROW_GROUP = 1_000_000
BYTES_PER_ROW = 150  # measured: 18 float64 (incompressible) + segment + label, snappy
WEIGHTS = np.linspace(-1.0, 1.0, len(FEATURES))
CLI = str(PROJECT_PYTHON.parent / "mlops-gate")


def chunk(rows: int, rng: np.random.Generator, shift: float, noise: float = 0.5) -> pa.Table:
    """`rows` rows of the synthetic task; `shift` moves the first features (drift to find)."""
    x = rng.standard_normal((rows, len(FEATURES)))
    x[:, :3] += shift
    logits = x @ WEIGHTS + rng.logistic(size=rows) * noise
    columns = {name: x[:, i] for i, name in enumerate(FEATURES)}
    columns["segment"] = SEGMENTS[rng.integers(0, len(SEGMENTS), rows)]
    columns["label"] = (logits > 0).astype(np.int8)
    return pa.table(columns)


def write_parquet(path: Path, rows: int, seed: int, shift: float) -> None:
    rng = np.random.default_rng(seed)
    first = chunk(min(rows, ROW_GROUP), rng, shift)
    with parquet.ParquetWriter(path, first.schema) as writer:
        writer.write_table(first, row_group_size=ROW_GROUP)
        done = first.num_rows
        while done < rows:
            table = chunk(min(ROW_GROUP, rows - done), rng, shift)
            writer.write_table(table, row_group_size=ROW_GROUP)
            done += table.num_rows


def train_model(path: Path) -> None:
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    # Trained on noisier labels, so its coefficients are small and no float32 probability of
    # 50M rows rounds to 1.0000001: scikit-learn-style checks refuse probabilities above 1
    # (seen with the sharper model: 3 rows of 50M; the ranking, hence roc_auc, is the same).
    table = chunk(200_000, np.random.default_rng(99), 0.0, noise=3.0)
    x = np.column_stack([table[name].to_numpy() for name in FEATURES]).astype(np.float32)
    model = LogisticRegression(max_iter=500).fit(x, table["label"].to_numpy())
    onnx = to_onnx(model, x[:1], options={id(model): {"zipmap": False}}, target_opset=17)
    path.write_bytes(onnx.SerializeToString())


POLICY = """version: 1
name: large-parquet
model: {{path: model.onnx, task: classification}}
data: {{eval: eval.parquet, reference: reference.parquet, target: label, features: {features}}}
gates:
  - {{type: drift, max: 0.5, warn: 0.1, columns: {columns}}}
  - {{type: metric, metric: roc_auc, min: 0.7}}
  - {{type: metric, metric: accuracy, min: 0.6}}
  - {{type: bias, sensitive: segment, max: 0.1}}
"""


def scaled_rows(directory: Path, rows: int, reference_rows: int) -> tuple[int, int, str]:
    """The sizes that fit the free disk (with 10% and 2 GB to spare), and a note if scaled."""
    free = shutil.disk_usage(directory).free
    wanted = (rows + reference_rows) * BYTES_PER_ROW
    room = int((free - 2 * 2**30) * 0.9)
    if wanted <= room:
        return rows, reference_rows, ""
    factor = max(room, 0) / wanted
    note = (
        f"only {free / 2**30:.1f} GiB free in {directory}: rows scaled from {rows:,} "
        f"to {int(rows * factor):,}"
    )
    return int(rows * factor), int(reference_rows * factor), note


def time_check(directory: Path) -> dict[str, Any]:
    """`/usr/bin/time -v mlops-gate check`: wall time, peak RSS, exit code, per-gate results."""
    results = directory / "results.json"
    command = [
        "/usr/bin/time", "-v", CLI, "check", str(directory / "mlops-gate.yaml"), "--no-cache",
        "--quiet", "--json", str(results), "--evidence", str(directory / "evidence.json"),
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=directory, check=False)
    wall = time.perf_counter() - start
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    gates = json.loads(results.read_text())["gates"] if results.exists() else []
    return {
        "wall_s": wall,
        "peak_rss_mb": int(peak.group(1)) / 1024 if peak else float("nan"),
        "exit_code": done.returncode,
        "gates": {g["id"]: [g["verdict"], g.get("duration_s"), g["message"]] for g in gates},
        "stdout": done.stdout[-2000:],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--reference-rows", type=int, default=None)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp(prefix="mlops-gate-large-"))
    directory.mkdir(parents=True, exist_ok=True)
    reference_rows = args.reference_rows or args.rows // 5
    rows, reference_rows, note = scaled_rows(directory, args.rows, reference_rows)
    if note:
        print(f"large_parquet: {note}", file=sys.stderr)
    stamp = directory / "sizes.json"
    sizes = {"rows": rows, "reference_rows": reference_rows}
    generate_s = 0.0
    if not stamp.exists() or json.loads(stamp.read_text()) != sizes:
        start = time.perf_counter()
        print(f"large_parquet: writing {rows:,} + {reference_rows:,} rows", file=sys.stderr)
        write_parquet(directory / "eval.parquet", rows, seed=2, shift=0.2)
        write_parquet(directory / "reference.parquet", reference_rows, seed=1, shift=0.0)
        train_model(directory / "model.onnx")
        stamp.write_text(json.dumps(sizes))
        generate_s = time.perf_counter() - start
    features = json.dumps(FEATURES)
    columns = json.dumps([*FEATURES, "segment"])
    (directory / "mlops-gate.yaml").write_text(POLICY.format(features=features, columns=columns))
    print("large_parquet: running mlops-gate check", file=sys.stderr)
    run = time_check(directory)
    eval_bytes = (directory / "eval.parquet").stat().st_size
    result = BenchResult("large_parquet")
    peak = float(run["peak_rss_mb"])
    result.add(
        f"check, drift + 2 metric + bias gates, {rows:,} x 20 Parquet ({eval_bytes / 1e9:.1f} GB)"
        f" + {reference_rows:,}-row reference: peak RSS",
        peak,
        "MB",
        target="< 2048 MB",
        ok=peak < 2048,
        note=note,
    )
    result.add("the same check: wall time", float(run["wall_s"]), "s", note=note)
    result.raw = {**sizes, "eval_bytes": eval_bytes, "generate_s": generate_s, **run}
    write_result(result)
    print(json.dumps({k: v for k, v in result.raw.items() if k != "stdout"}, indent=1))
    if not args.keep and args.dir is None:
        shutil.rmtree(directory, ignore_errors=True)
    return 0 if run["exit_code"] in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
