#!/usr/bin/env bash
# Run the benchmarks of issue 8: mlops-gate against the field's tools, on the same data, same run.
#
#   benchmarks/run.sh                    # all: startup latency expectations psi example parallel (~6 min)
#   benchmarks/run.sh psi expectations   # only those
#   benchmarks/run.sh large              # opt-in: ~9 GB of Parquet, ~25 min (large_parquet.py)
#   BENCH_LARGE=1 benchmarks/run.sh      # all, then large (BENCH_LARGE_ROWS=N for fewer rows)
#
# Makes benchmarks/.venv-anchors from requirements-anchors.txt when missing or out of date, the
# example's models when missing (make example-models), the 1,000,000-row data once in a temp dir
# (removed on exit), then each benchmarks/bench_<name>.py. Writes benchmarks/results/<UTC time>/
# (one JSON per benchmark + results.json) and results/latest.json; prints a Markdown table.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
PROJECT_PY=".venv/bin/python"
ANCHORS="benchmarks/.venv-anchors"
REQUIREMENTS="benchmarks/requirements-anchors.txt"
STAMP="$ANCHORS/.requirements.sha256"
ALL=(startup latency expectations psi example parallel)
SELECTED=("${@:-${ALL[@]}}")
LARGE=0
if [[ "${BENCH_LARGE:-0}" == 1 ]]; then LARGE=1; fi
KEPT=()
for name in "${SELECTED[@]}"; do
  if [[ "$name" == large ]]; then LARGE=1; else KEPT+=("$name"); fi
done
SELECTED=("${KEPT[@]+"${KEPT[@]}"}")

ensure_anchors() {
  local wanted
  wanted="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
  if [[ -x "$ANCHORS/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$wanted" ]]; then
    return
  fi
  echo "run.sh: installing $REQUIREMENTS into $ANCHORS (a minute or two)" >&2
  [[ -x "$ANCHORS/bin/python" ]] || "$PYTHON" -m venv "$ANCHORS"
  "$ANCHORS/bin/python" -m pip install -qq --disable-pip-version-check -r "$REQUIREMENTS"
  echo "$wanted" >"$STAMP"
}

for name in "${SELECTED[@]+"${SELECTED[@]}"}"; do
  [[ -f "benchmarks/bench_$name.py" ]] || { echo "run.sh: no benchmark '$name' (have: ${ALL[*]})" >&2; exit 2; }
done

[[ -x "$PROJECT_PY" ]] || scripts/ensure-venv.sh
ensure_anchors
make --no-print-directory example-models example-build >&2

RUN_DIR="benchmarks/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN_DIR"
export BENCH_RESULTS_DIR="$PWD/$RUN_DIR"
DATA="$(mktemp -d -t mlops-gate-bench-XXXXXX)"
trap 'rm -rf "$DATA"' EXIT

for name in "${SELECTED[@]+"${SELECTED[@]}"}"; do
  echo "run.sh: $name" >&2
  start=$SECONDS
  "$PROJECT_PY" "benchmarks/bench_$name.py" --data "$DATA"
  echo "run.sh: $name took $((SECONDS - start)) s" >&2
done
if [[ "$LARGE" == 1 ]]; then
  # Opt-in: writes ~9 GB (scaled down, with a note, when the disk is short); removed on exit.
  echo "run.sh: large_parquet" >&2
  start=$SECONDS
  "$PROJECT_PY" benchmarks/large_parquet.py --rows "${BENCH_LARGE_ROWS:-50000000}" --dir "$DATA/large"
  echo "run.sh: large_parquet took $((SECONDS - start)) s" >&2
fi
"$PROJECT_PY" benchmarks/report.py "$RUN_DIR"
