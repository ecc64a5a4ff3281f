# mlops-gate: the two commands of the quick start (README.md) and a few helpers.
#
#   make example   set up .venv, generate the example's data and models, then `mlops-gate run` it:
#                  build → check → image → promote → local canary (then show a failing run)
#   make test      set up .venv and the system packages some tests need (Chromium, buildah, a JRE),
#                  then ruff, mypy, import-linter and pytest
#
# PYTHON=python3.12 picks the interpreter for a new .venv; EXTRAS=gpu,dev installs onnxruntime-gpu (no torch).
# TEST_WORKERS=1 runs the tests in one process (default 2: most tests wait on a subprocess or a
# server, so two workers keep both of CI's cores busy).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV ?= .venv
EXTRAS ?= cpu,dev,torch
TEST_WORKERS ?= 2
export PYTHON VENV EXTRAS

BIN := $(VENV)/bin
EXAMPLE := examples/credit-risk
OUT := out
# Marks written last by each script: their timestamps tell make what is out of date.
EXAMPLE_DATA := $(EXAMPLE)/data/eval_drifted.parquet
EXAMPLE_MODELS := $(EXAMPLE)/models/model.onnx
EXAMPLE_DIST := $(EXAMPLE)/dist/build.json
TYPED_SCRIPTS := scripts/gen_policy_docs.py $(EXAMPLE)/make_data.py $(EXAMPLE)/train.py

.PHONY: help venv system-deps example example-build example-drifted example-models example-spark test lint typecheck imports pytest docs bench clean distclean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

venv:  ## create .venv and install -e '.[cpu,dev]' (only when pyproject.toml changed)
	@scripts/ensure-venv.sh

# Not fatal: where it cannot install (not root, no apt-get) it prints one line, and the tests that
# need a missing package say why they cannot run.
system-deps:  ## install the system packages some tests need where missing: chromium, buildah, a JRE (as root)
	@scripts/ensure-system-deps.sh

$(EXAMPLE_DATA): $(EXAMPLE)/make_data.py | venv
	@$(BIN)/python $(EXAMPLE)/make_data.py

$(EXAMPLE_MODELS): $(EXAMPLE)/train.py $(EXAMPLE_DATA) | venv
	@$(BIN)/python $(EXAMPLE)/train.py

example-models: $(EXAMPLE_MODELS)  ## generate the example's data and train its two models (seeded)

# The example keeps the image as a context (dist/image/): building it pulls python:3.11-slim, which
# needs a registry. `make example EXAMPLE_ENGINE=docker` (or podman, buildah) builds it too.
EXAMPLE_ENGINE ?= none

example: example-models  ## build, gate, promote and canary the example challenger (exit 0), then show the drifted policy failing
	MLOPS_GATE_ENGINE=$(EXAMPLE_ENGINE) $(BIN)/mlops-gate run $(EXAMPLE)/mlops-gate.yaml \
	  --json $(OUT)/results.json --junit $(OUT)/junit.xml --markdown $(OUT)/report.md
	@echo "reports: $(OUT)/results.json $(OUT)/junit.xml $(OUT)/report.md; artifacts: $(EXAMPLE)/dist;"
	@echo "registry: .mlops-gate/mlflow.db (mlops-gate history $(EXAMPLE)/mlops-gate.yaml [--alias production]); canary: .mlops-gate/deploy.json"
	@echo
	@$(MAKE) example-drifted

# The failing path. mlops-gate exits 1 here, which is the point: this target succeeds when it does
# and fails if the drifted data ever gets through (exit 0) or cannot be judged (exit 2 or 3).
# The drifted policy gates the same built artifact; `make example` builds it, this builds it alone.
$(EXAMPLE_DIST): $(EXAMPLE_MODELS) $(EXAMPLE)/mlops-gate.yaml
	@$(BIN)/mlops-gate build $(EXAMPLE)/mlops-gate.yaml --out $(EXAMPLE)/dist --force --no-image >/dev/null

example-build: $(EXAMPLE_DIST)  ## build the example's artifacts into examples/credit-risk/dist (what its policy gates)

example-spark: $(EXAMPLE_DIST)  ## the example's check on the Spark engine (local[2]): same verdict and numbers as mlops-gate.yaml
	$(BIN)/mlops-gate check $(EXAMPLE)/mlops-gate.spark.yaml --json $(OUT)/spark/results.json \
	  --evidence $(OUT)/spark/evidence.json --markdown $(OUT)/spark/report.md

example-drifted: $(EXAMPLE_DIST)  ## the same policy on drifted data: must fail (exit 1)
	@echo "--- the same policy on drifted data ($(EXAMPLE)/mlops-gate.drifted.yaml): this one must fail"
	@status=0; $(BIN)/mlops-gate check $(EXAMPLE)/mlops-gate.drifted.yaml \
	  --json $(OUT)/drifted/results.json --junit $(OUT)/drifted/junit.xml \
	  --markdown $(OUT)/drifted/report.md --evidence $(OUT)/drifted/evidence.json || status=$$?; \
	if [[ $$status -eq 1 ]]; then \
	  echo "mlops-gate exited 1 on the drifted data, as it should: that model does not ship"; \
	else \
	  echo "error: expected exit code 1 on the drifted data, got $$status" >&2; exit 1; \
	fi

.PHONY: example-llm
example-llm: venv  ## the LLM example: a local test model; a prompt that passes (uncached, then cached) and one that fails
	$(BIN)/python examples/support-answers/run_example.py $(OUT)/support-answers

test: venv system-deps lint typecheck imports pytest  ## everything CI runs (.ci/run)

lint: venv  ## ruff
	$(BIN)/ruff check .

typecheck: venv  ## mypy: the package (strict) and the scripts
	$(BIN)/mypy
	$(BIN)/mypy --strict --ignore-missing-imports --follow-imports=silent $(TYPED_SCRIPTS)

imports: venv  ## import-linter: the layering contracts in pyproject.toml
	$(BIN)/lint-imports

pytest: venv  ## the test suite (unit and integration), on TEST_WORKERS processes
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --durations=25

fuzz: venv  ## the fuzzing harness (tests/fuzz) with a long budget: 2000 examples a test, about 2 h
	MLOPS_GATE_FUZZ_EXAMPLES=$${MLOPS_GATE_FUZZ_EXAMPLES:-2000} $(BIN)/pytest tests/fuzz -m fuzz

bench: venv  ## benchmarks vs Evidently, Great Expectations, bare ONNX Runtime (~4 min, ~2.3 GB RAM; benchmarks/README.md)
	benchmarks/run.sh

docs: venv  ## regenerate docs/policy.md from the policy models
	$(BIN)/python scripts/gen_policy_docs.py

clean:  ## remove out/, the example's data, models and build, .mlops-gate/ (evidence, registry) and tool caches
	rm -rf $(OUT) $(EXAMPLE)/data $(EXAMPLE)/models $(EXAMPLE)/dist .mlops-gate .pytest_cache .mypy_cache .ruff_cache .hypothesis

distclean: clean  ## clean, and remove .venv
	rm -rf $(VENV)
