#!/usr/bin/env bash
# Make sure ./.venv exists and holds this project, installed editable with its extras.
#
# Creates the venv when missing (with $PYTHON, default python3, which must be 3.11 or newer) and
# (re)installs `-e .[$EXTRAS]` only when pyproject.toml, the extras or the interpreter changed
# since the last install (a stamp file in the venv records them). Quiet and idempotent: when
# nothing changed it prints nothing and takes well under a second.
#
#   scripts/ensure-venv.sh                  # what `make example` and `make test` run first
#   PYTHON=python3.12 scripts/ensure-venv.sh
#   EXTRAS=gpu,dev scripts/ensure-venv.sh   # onnxruntime-gpu instead of onnxruntime (never both), no torch
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
EXTRAS="${EXTRAS:-cpu,dev,torch}"
# The torch extra pins the CPU build this project's CI uses (a plain `torch` would pick the newest,
# a multi-GB CUDA build); override with TORCH_VERSION.
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
STAMP="$VENV/.mlops-gate-install"
MIN_VERSION="3.11"

die() {
  echo "ensure-venv: $*" >&2
  exit 2
}

# Exits non-zero unless interpreter $1 is at least $MIN_VERSION.
recent_enough() {
  "$1" -c "import sys; sys.exit(sys.version_info < tuple(map(int, '$MIN_VERSION'.split('.'))))"
}

create_venv() {
  command -v "$PYTHON" >/dev/null 2>&1 \
    || die "'$PYTHON' not found: install Python $MIN_VERSION+ or pass PYTHON=/path/to/python3.11"
  recent_enough "$PYTHON" \
    || die "mlops-gate needs Python $MIN_VERSION+, but '$PYTHON' is $("$PYTHON" -V 2>&1): pass PYTHON=python3.12 (or another $MIN_VERSION+ interpreter)"
  echo "ensure-venv: creating $VENV with $("$PYTHON" -V 2>&1)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV" \
    || die "'$PYTHON -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)"
}

# What the installed state depends on: the project's metadata, the extras, the interpreter.
fingerprint() {
  "$VENV/bin/python" - "$EXTRAS" "$TORCH_VERSION" <<'PY'
import hashlib, sys
digest = hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest()
print(digest, sys.argv[1], sys.version.split()[0], "torch", sys.argv[2])
PY
}

if [[ ! -x "$VENV/bin/python" ]]; then
  create_venv
elif ! recent_enough "$VENV/bin/python"; then
  die "$VENV uses $("$VENV/bin/python" -V 2>&1); mlops-gate needs $MIN_VERSION+: rm -rf $VENV and re-run"
fi

wanted="$(fingerprint)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$wanted" ]]; then
  exit 0
fi
echo "ensure-venv: installing -e '.[$EXTRAS]' into $VENV (pyproject.toml changed or first run)"
if [[ ",$EXTRAS," == *",torch,"* ]]; then
  "$VENV/bin/python" -m pip install -qq --disable-pip-version-check "torch==$TORCH_VERSION"
fi
"$VENV/bin/python" -m pip install -qq --disable-pip-version-check -e ".[$EXTRAS]"
echo "$wanted" >"$STAMP"
