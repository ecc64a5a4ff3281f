"""A `CheckReport` back from its results JSON, for `mlops-gate report` (re-render, post later).

The file may come from another job or an older run, so it is checked as input: the schema version,
every field's type, and that the verdict it states is the one its gates give.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlops_gate.errors import InputError
from mlops_gate.fsutil import read_regular
from mlops_gate.report import RESULTS_SCHEMA, CheckReport, VariantResult
from mlops_gate.results import GateResult, Verdict


def load_results(path: Path) -> CheckReport:
    """Read and check a results JSON file (`check --json PATH`)."""
    if not os.path.lexists(path):
        raise InputError(f"{path}: cannot read the results JSON: No such file or directory")
    try:
        data = json.loads(read_regular(path, "the results JSON").decode("utf-8"))
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    try:
        return report_from_json(data)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def report_from_json(data: Any) -> CheckReport:
    """The report a results JSON describes; `InputError` naming the first field that is wrong."""
    if not isinstance(data, dict):
        raise InputError("results JSON: expected an object")
    if data.get("schema") != RESULTS_SCHEMA:
        raise InputError(
            f"results JSON: schema {data.get('schema')!r} is not supported (expected 1)"
        )
    policy = _object(data, "policy")
    model = _object(data, "model", required=False)
    baseline = _object(data, "baseline", required=False)
    gates = data.get("gates")
    if not isinstance(gates, list):
        raise InputError("results JSON: gates: expected a list")
    report = CheckReport(
        policy_name=_text(policy, "name", "policy"),
        policy_path=_text(policy, "path", "policy"),
        policy_sha256=_text(policy, "sha256", "policy", default=""),
        gates=[gate_from_json(raw, f"gates[{i}]") for i, raw in enumerate(gates)],
        model_path=_optional_text(model, "path", "model"),
        model_sha256=_optional_text(model, "sha256", "model"),
        baseline_uri=_optional_text(baseline, "uri", "baseline"),
        baseline_version=_optional_text(baseline, "version", "baseline"),
        started_at=_text(data, "started_at", "results JSON", default=""),
        duration_s=_number(data, "duration_s", "results JSON") or 0.0,
        variants=_variants(data.get("variants", []), len(gates)),
        advisory=data.get("advisory") is True,
        selected=_selected(data.get("selected", [])),
    )
    stated = data.get("verdict")
    if stated is not None and stated != report.verdict:
        raise InputError(
            f"results JSON: verdict {stated!r} does not match its gates ({report.verdict})"
        )
    return report


def _selected(raw: Any) -> tuple[str, ...]:
    """`selected` (check --select): a list of strings."""
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise InputError("results JSON: selected: expected a list of strings")
    return tuple(raw)


def _variants(raw: Any, gate_count: int) -> list[VariantResult]:
    """`variants` (check --artifacts): each with as many gates as the top level, in its order."""
    if not isinstance(raw, list):
        raise InputError("results JSON: variants: expected a list")
    variants = []
    for index, entry in enumerate(raw):
        where = f"variants[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("gates"), list):
            raise InputError(f"results JSON: {where}: expected an object with a gates list")
        gates = [gate_from_json(g, f"{where}.gates[{i}]") for i, g in enumerate(entry["gates"])]
        if len(gates) != gate_count:
            raise InputError(f"results JSON: {where}.gates: expected {gate_count} gates")
        shared = {g["id"] for g in entry["gates"] if g.get("shared") is True}
        variants.append(
            VariantResult(
                variant=_text(entry, "variant", where),
                method=_text(entry, "method", where, default=""),
                path=_text(entry, "path", where),
                sha256=_text(entry, "sha256", where),
                gates=gates,
                shared=frozenset(shared),
            )
        )
    return variants


def gate_from_json(raw: Any, where: str) -> GateResult:
    """One `gates[]` entry of a results JSON, checked field by field (InputError if malformed)."""
    if not isinstance(raw, dict):
        raise InputError(f"results JSON: {where}: expected an object")
    verdict = raw.get("verdict")
    if verdict not in {v.value for v in Verdict}:
        valid = ", ".join(v.value for v in Verdict)
        raise InputError(f"results JSON: {where}.verdict: {verdict!r} is not one of {valid}")
    details = raw.get("details", {})
    if not isinstance(details, dict):
        raise InputError(f"results JSON: {where}.details: expected an object")
    line = raw.get("policy_line")
    if line is not None and (not isinstance(line, int) or isinstance(line, bool)):
        raise InputError(f"results JSON: {where}.policy_line: expected an integer")
    return GateResult(
        id=_text(raw, "id", where),
        type=_text(raw, "type", where),
        verdict=Verdict(verdict),
        value=_number(raw, "value", where),
        threshold=_number(raw, "threshold", where),
        baseline_value=_number(raw, "baseline_value", where),
        message=_text(raw, "message", where, default=""),
        details=details,
        duration_s=_number(raw, "duration_s", where) or 0.0,
        policy_line=line,
        internal_error=raw.get("internal_error") is True,
        cached=raw.get("cached") is True,
    )


def _object(data: Mapping[str, Any], key: str, *, required: bool = True) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"results JSON: {key}: expected an object")
    return value


def _text(data: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise InputError(f"results JSON: {where}.{key}: expected a string")
    return value


def _optional_text(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise InputError(f"results JSON: {where}.{key}: expected a string or null")
    return value


def _number(data: Mapping[str, Any], key: str, where: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"results JSON: {where}.{key}: expected a finite number or null")
    return float(value)
