"""Where mlops-gate keeps its state in the working directory (`.mlops-gate/`), defined once.

Everything under it is written by the tool and, being in the work tree, can be changed by a pull
request: nothing read back from here is believed without verification (docs/security.md).
"""

from __future__ import annotations

from pathlib import Path

STATE_DIR = Path(".mlops-gate")
EVIDENCE = STATE_DIR / "evidence.json"
"""The evidence file `check` writes and `promote`, `deploy` and `build` (the image) read."""
GATE_CACHE = STATE_DIR / "cache" / "gates"
RECORDED_RUNS = STATE_DIR / "cache" / "runs"
REGISTRY_CACHE = STATE_DIR / "cache" / "registry"
LLM_CACHE = STATE_DIR / "cache" / "llm"
"""Answers of LLM calls by content hash (sealed: trust.py), so a re-run costs nothing."""
LLM_OUTPUTS = STATE_DIR / "llm"
"""The outputs a check generated from an endpoint, one JSONL file per policy and role."""
LOGS = STATE_DIR / "logs"
HYPOTHESIS = STATE_DIR / "hypothesis"
