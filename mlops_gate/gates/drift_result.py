"""The drift gate's verdict over its columns, its details and its message (docs/gates/drift.md).

One method per gate: the worst column's distance (or smallest p-value) against its limit; with
`max_drifted_share` (and `method: auto`, whose columns mix units) the share of drifted columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mlops_gate.gates.base import is_above, is_below, verdict_at_most
from mlops_gate.gates.drift_measure import LABELS, P_VALUE_METHODS

if TYPE_CHECKING:
    from mlops_gate.gates.drift import Config as DriftConfig
    from mlops_gate.gates.drift_measure import ColumnDrift
    from mlops_gate.metrics.psi import ColumnPsi
    from mlops_gate.results import GateResult, Verdict

DIGITS = 6  # PSI and shares in details: enough to recompute, short enough to read
SHOWN = 3  # columns named in the message


def drift_result(config: DriftConfig, results: dict[str, ColumnDrift]) -> GateResult:
    """The gate's result: its rule over the columns' results, the details, the message."""
    from mlops_gate.results import GateResult

    value, threshold, comparator, verdict = _gate_value(config, results)
    drifted = [name for name, r in results.items() if r.drifted]
    details: dict[str, Any] = {
        "method": config.method,
        "columns": {name: round(r.statistic, DIGITS) for name, r in results.items()},
        "bins": {name: _bins(r.binned) for name, r in results.items() if r.binned is not None},
        "tests": {name: _test(r) for name, r in results.items()},
        "drifted": drifted,
        "drifted_share": round(len(drifted) / len(results), DIGITS),
        "max_drifted_share": config.max_drifted_share,
        "comparator": comparator,
        "warn": config.warn,
    }
    if any(r.method in P_VALUE_METHODS for r in results.values()):
        details["alpha"] = config.alpha
    notes = [r.sparse for r in results.values() if r.sparse]
    if notes:
        details["warnings"] = notes
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=verdict,
        value=value,
        threshold=threshold,
        message=_message(config, results, value, threshold),
        details=details,
    )


def _share_rule(config: DriftConfig) -> bool:
    """Whether the gate decides on the share of drifted columns (`auto` mixes units: it does)."""
    return config.max_drifted_share is not None or config.method == "auto"


def _gate_value(
    config: DriftConfig, results: dict[str, ColumnDrift]
) -> tuple[float, float, str, Verdict]:
    """(value, threshold, comparator, verdict) of the gate's rule over the columns."""
    from mlops_gate.results import Verdict

    if _share_rule(config):
        limit = config.max_drifted_share or 0.0
        share = sum(r.drifted for r in results.values()) / len(results)
        if is_above(share, limit):
            return share, limit, "≤", Verdict.FAIL
        flagged = any(r.verdict != Verdict.PASS for r in results.values())
        return share, limit, "≤", Verdict.WARN if flagged else Verdict.PASS
    if config.method in P_VALUE_METHODS:
        value = min(_p(r) for r in results.values())
        verdict = Verdict.FAIL if is_below(value, config.alpha) else Verdict.PASS
        return value, config.alpha, "≥", verdict
    limit = config.distance_max(config.method)
    value = max(r.statistic for r in results.values())
    return value, limit, "≤", verdict_at_most(value, limit, config.warn)


def _p(result: ColumnDrift) -> float:
    assert result.p_value is not None  # a p-value method's result carries one
    return result.p_value


def _test(result: ColumnDrift) -> dict[str, Any]:
    """One column's method, numbers and verdict for details (p-values to 6 significant digits)."""
    entry: dict[str, Any] = {"method": result.method, "statistic": round(result.statistic, DIGITS)}
    if result.p_value is not None:
        entry["p_value"] = float(f"{result.p_value:.{DIGITS}g}")
    entry["verdict"] = result.verdict.value
    return entry


def _bins(result: ColumnPsi) -> dict[str, Any]:
    import math

    bins: dict[str, Any] = {}
    if result.edges is not None:
        # JSON has no infinity: an infinite edge (from infinite data) is reported as null.
        bins["edges"] = [e if math.isfinite(e) else None for e in result.edges]
    else:
        bins["categories"] = list(result.categories or ())
    bins["reference"] = [round(s, DIGITS) for s in result.reference]
    bins["current"] = [round(s, DIGITS) for s in result.current]
    bins["missing"] = result.missing_bin
    return bins


def _message(
    config: DriftConfig, results: dict[str, ColumnDrift], value: float, threshold: float
) -> str:
    """E.g. "PSI 0.31 on income (> 0.2); 2 of 20 columns above warn 0.1"."""
    if _share_rule(config):
        text = _share_message(results, value, threshold)
    elif config.method in P_VALUE_METHODS:
        text = _p_value_message(config, results)
    else:
        text = _distance_message(config, {name: r.statistic for name, r in results.items()})
    sparse = [name for name, r in results.items() if r.sparse]
    if sparse:
        text += f"; sparse bins on {_names(sparse)} (details.warnings)"
    return text


def _distance_message(config: DriftConfig, scores: dict[str, float]) -> str:
    label, limit = LABELS[config.method], config.distance_max(config.method)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    over = [(name, value) for name, value in ranked if is_above(value, limit)]
    if over:
        head = f"{label} {_listed(f'{v:.3g} on {n}' for n, v in over)} (> {limit:g})"
    else:
        head = f"largest {label} {ranked[0][1]:.3g} on {ranked[0][0]} (≤ {limit:g})"
    limit_name, shown = ("warn", config.warn) if config.warn is not None else ("max", limit)
    above = sum(is_above(value, shown) for _, value in ranked)
    return f"{head}; {above} of {len(ranked)} columns above {limit_name} {shown:g}"


def _p_value_message(config: DriftConfig, results: dict[str, ColumnDrift]) -> str:
    label = LABELS[config.method]
    ranked = sorted(((n, _p(r)) for n, r in results.items()), key=lambda item: item[1])
    drifted = [(n, p) for n, p in ranked if is_below(p, config.alpha)]
    if drifted:
        listed = _listed(f"{p:.3g} on {n}" for n, p in drifted)
        head = f"{label} p-value {listed} (< alpha {config.alpha:g})"
    else:
        name, p = ranked[0]
        head = f"smallest {label} p-value {p:.3g} on {name} (≥ alpha {config.alpha:g})"
    return f"{head}; {len(drifted)} of {len(ranked)} columns drifted"


def _share_message(results: dict[str, ColumnDrift], share: float, limit: float) -> str:
    """E.g. "3 of 20 columns drifted (share 0.15 > max_drifted_share 0.1): income (KS p 0.001)"."""
    drifted = [(n, r) for n, r in results.items() if r.drifted]
    sign = ">" if is_above(share, limit) else "≤"
    head = f"{len(drifted)} of {len(results)} columns drifted (share {share:.3g} {sign} {limit:g})"
    if not drifted:
        return head
    return f"{head}: {_listed(f'{n} ({_number(r)})' for n, r in drifted)}"


def _number(result: ColumnDrift) -> str:
    label = LABELS[result.method]
    if result.p_value is not None:
        return f"{label} p {result.p_value:.3g}"
    return f"{label} {result.statistic:.3g}"


def _listed(items: Iterable[str]) -> str:
    """The first `SHOWN` items, and how many more."""
    shown = list(items)
    more = f" and {len(shown) - SHOWN} more" if len(shown) > SHOWN else ""
    return ", ".join(shown[:SHOWN]) + more


def _names(names: list[str]) -> str:
    return _listed(names)
