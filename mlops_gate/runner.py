"""Evaluate a policy's gates in order and turn every outcome, exceptions included, into a result."""

from __future__ import annotations

import dataclasses
import time
import traceback
from pathlib import Path

from mlops_gate.context import EvaluationContext
from mlops_gate.errors import MlopsGateError
from mlops_gate.fsutil import atomic_write_text
from mlops_gate.gates.registry import gate_types
from mlops_gate.results import GateResult, Verdict

CRASH_DIR = Path(".mlops-gate") / "logs"


def run_gates(context: EvaluationContext) -> list[GateResult]:
    loaded = context.loaded
    results = []
    for index, (gate, gate_id) in enumerate(zip(loaded.policy.gates, loaded.gate_ids, strict=True)):
        module = gate_types()[gate.type]
        started = time.perf_counter()
        try:
            result = module.evaluate(gate, context)
        except MlopsGateError as exc:
            result = GateResult(id=gate_id, type=gate.type, verdict=Verdict.ERROR, message=str(exc))
        except Exception as exc:
            log = _write_crash_log(gate_id)
            result = GateResult(
                id=gate_id,
                type=gate.type,
                verdict=Verdict.ERROR,
                message=f"internal error: {type(exc).__name__}: {exc} (traceback in {log})",
                internal_error=True,
            )
        results.append(
            dataclasses.replace(
                result,
                id=gate_id,
                type=gate.type,
                duration_s=round(time.perf_counter() - started, 4),
                policy_line=loaded.gate_line(index),
            )
        )
    return results


def _write_crash_log(gate_id: str) -> Path:
    path = (
        CRASH_DIR
        / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{gate_id.replace('/', '_').replace(':', '_')}.log"
    )
    try:
        atomic_write_text(path, traceback.format_exc())
    except OSError:
        return Path("<unwritable>")
    return path
