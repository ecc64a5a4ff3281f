"""Where a set of outputs came from, in numbers a reviewer and the evidence can hold on to.

The provenance goes into every generation gate's details, so the evidence file (which holds the
results) binds the model name, endpoint, params and the sha256 of prompt, eval file and outputs;
the files themselves are also inputs of the policy (engine/inputs.py), hashed and re-verified by
promote. Calls made and cached, tokens, cost and latency per request say what the run cost.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlops_gate.fsutil import sha256_bytes, sha256_file_memo
from mlops_gate.gates.generation import EvalRow, Reply, call_usage
from mlops_gate.policy.generation import GenerationFields


def outputs_jsonl(rows: Sequence[EvalRow], texts: Sequence[str]) -> bytes:
    """The outputs as the JSONL an `outputs:` file holds ({id, output} rows, in eval order)."""
    lines = [
        json.dumps({"id": row.id, "output": text}, ensure_ascii=False)
        for row, text in zip(rows, texts, strict=True)
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def file_entry(path: Path, shown: str) -> dict[str, str]:
    return {"path": shown, "sha256": sha256_file_memo(path)}


def describe(
    spec: GenerationFields,
    files: dict[str, dict[str, str]],
    replies: Sequence[Reply],
    outputs: bytes,
) -> dict[str, Any]:
    """The provenance of one model's outputs (`files`: prompt/eval/outputs entries)."""
    found: dict[str, Any] = {
        "source": "outputs" if spec.outputs is not None else "endpoint",
        **files,
        "outputs_sha256": sha256_bytes(outputs),
        "rows": len(replies),
    }
    if spec.outputs is None:
        found.update(model=spec.model, endpoint=spec.endpoint, params=dict(spec.params))
        found.update(call_usage(replies, spec.price))
    return found
