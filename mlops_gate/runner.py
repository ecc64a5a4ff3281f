"""Evaluate a policy's gates in order and turn every outcome, exceptions included, into a result."""

from __future__ import annotations

import dataclasses
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.context import EvaluationContext
from mlops_gate.errors import MlopsGateError
from mlops_gate.fsutil import atomic_write_text
from mlops_gate.gates.registry import gate_types
from mlops_gate.results import GateResult, Verdict

if TYPE_CHECKING:
    from mlops_gate.cache import GateCache
    from mlops_gate.gates.base import GateConfig

CRASH_DIR = Path(".mlops-gate") / "logs"


def run_gates(context: EvaluationContext, cache: GateCache | None = None) -> list[GateResult]:
    """Every gate in policy order; a cached result is reused when nothing it read has changed."""
    loaded = context.loaded
    results = []
    for index, (gate, gate_id) in enumerate(zip(loaded.policy.gates, loaded.gate_ids, strict=True)):
        key = cache.key(gate) if cache is not None else None
        hit = cache.load(key) if cache is not None and key is not None else None
        line = loaded.gate_line(index)
        if hit is not None:
            results.append(
                dataclasses.replace(hit, id=gate_id, type=gate.type, policy_line=line, cached=True)
            )
            continue
        started = time.perf_counter()
        result = dataclasses.replace(
            _evaluate(gate, gate_id, context),
            id=gate_id,
            type=gate.type,
            policy_line=line,
            duration_s=round(time.perf_counter() - started, 4),
        )
        if cache is not None and key is not None:
            cache.store(key, result)
        results.append(result)
    return results


def _evaluate(gate: GateConfig, gate_id: str, context: EvaluationContext) -> GateResult:
    """The gate's result; its exceptions become `error` results (a bug is flagged internal)."""
    try:
        return gate_types()[gate.type].evaluate(gate, context)
    except MlopsGateError as exc:
        return GateResult(id=gate_id, type=gate.type, verdict=Verdict.ERROR, message=str(exc))
    except Exception as exc:
        log = _write_crash_log(gate_id)
        return GateResult(
            id=gate_id,
            type=gate.type,
            verdict=Verdict.ERROR,
            message=f"internal error: {type(exc).__name__}: {exc} (traceback in {log})",
            internal_error=True,
        )


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
