"""The `metric` gate per slice (`slice_by`, `slice`): the limits must hold on every slice.

Modelled on TFX's Evaluator (TensorFlow Model Analysis): a `SlicingSpec` with `feature_keys`
makes one slice per value (crossed for several keys), one with `feature_values` a single slice,
and a threshold is validated on each slice it names; TFMA does not compute slices with fewer
than `min_slice_size` examples (default 1). Here:

- `slice_by: [site]`: one slice per value of the eval column (a missing value is a slice of its
  own, `site=null`); for several columns, one per combination that occurs.
- `slice: {site: hospital_b}`: the rows whose column equals the value (or is spelled the same,
  `1` for `"1"`); several keys intersect.
- `min_slice_rows` (default 30, the gate's `min_rows`, not TFMA's 1: a metric on a handful of
  rows is noise, see `gates/metric.py`): a `slice_by` slice with fewer rows is listed in
  `details.slices` as `skip` with its row count, never checked and never silently dropped; a
  `slice:` with fewer rows, or `slice_by` leaving no slice to check, is `error`.
- each checked slice gets the whole gate's treatment on its rows (value, baseline on the same
  rows, bootstrap interval with `confidence`, every limit) and its own verdict; a slice whose
  metric is undefined (e.g. recall with no positive row in it) is `error`.
- the gate's verdict is the worst slice's (fail, then error, then pass: failure wins, as for a
  whole check), its value, baseline and message are that slice's: the worst verdict first, then
  the worst (pessimistic) value. At most `MAX_SLICES` slices: more is an error (bin the column).

A data engine may find the slices and measure them where the data lives (the `metric.slice_rows`
and `metric.measure_rows` hooks; Spark: engine/data/spark/slices.py); these rules stay here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import numpy as np

    from mlops_gate.errors import GateError
    from mlops_gate.gates.context import GateContext
    from mlops_gate.gates.metric import Config
    from mlops_gate.results import GateResult

MAX_SLICES = 1000
RANK = {"fail": 3, "error": 2, "pass": 1}
Slice = tuple[dict[str, Any], str, "np.ndarray"]


def evaluate_slices(config: Config, context: GateContext, notes: list[str]) -> GateResult:
    """Every slice against every limit; the gate's result is its worst slice's."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.features import checked_features, constant_note
    from mlops_gate.gates.metric_catalogue import lower_is_better

    constant = checked_features(context, "model", "eval")
    entries = []
    for key, name, rows in slice_rows(config, context):
        if len(rows) >= config.min_slice_rows:
            entries.append(_checked(config, context, key, name, rows))
        elif config.slice is not None:
            raise GateError(
                f"slice {name} has {len(rows)} eval rows, fewer than min_slice_rows "
                f"{config.min_slice_rows}"
            )
        else:
            entries.append({"slice": key, "name": name, "rows": len(rows), "verdict": "skip"})
    checked = [entry for entry in entries if entry["verdict"] != "skip"]
    if not entries:
        raise GateError(f"{context.dataset_path('eval')}: the eval set has no rows")
    if not checked:
        raise GateError(
            f"no slice of {', '.join(config.slice_by or [])} has min_slice_rows "
            f"{config.min_slice_rows} rows (largest: {max(e['rows'] for e in entries)})"
        )
    notes = [*notes, constant_note(constant)]
    lower = lower_is_better(config.metric)
    worst = max(checked, key=lambda entry: _badness(entry, lower))
    return _result(config, entries, worst, [n for n in notes if n])


def slice_rows(config: Config, context: GateContext) -> list[Slice]:
    """(key, name, eval row indices) of each slice, in name order."""
    import numpy as np
    import pandas as pd

    from mlops_gate.errors import GateError

    columns = list(config.slice) if config.slice is not None else list(config.slice_by or [])
    present = set(context.columns("eval"))
    missing = [column for column in columns if column not in present]
    if missing:
        raise GateError(
            f"{context.dataset_path('eval')}: no column {', '.join(missing)} to slice by"
        )
    if (hook := context.engine_hook("metric.slice_rows")) is not None:  # engine/data/hooks.py
        return cast(list[Slice], hook(config, context, columns))
    frame = pd.DataFrame({column: context.column("eval", column) for column in columns})
    if config.slice is not None:
        mask = np.ones(len(frame), dtype=bool)
        for column, wanted in config.slice.items():
            column_values = frame[column]
            mask &= (column_values == wanted).to_numpy() | (
                column_values.astype(str) == str(wanted)
            ).to_numpy()
        return [(dict(config.slice), slice_name(config.slice), np.flatnonzero(mask))]
    groups = frame.groupby(columns, dropna=False, sort=False).indices
    if len(groups) > MAX_SLICES:
        raise too_many_slices(columns, len(groups))
    found = []
    for group, rows in groups.items():
        parts: tuple[Any, ...] = group if isinstance(group, tuple) else (group,)
        key = {column: slice_value(value) for column, value in zip(columns, parts, strict=True)}
        found.append((key, slice_name(key), np.asarray(rows)))
    return sorted(found, key=lambda item: item[1])


def too_many_slices(columns: list[str], count: int) -> GateError:
    """The error for more slices than MAX_SLICES (each engine counts its own)."""
    from mlops_gate.errors import GateError

    return GateError(
        f"slice_by {', '.join(columns)} gives {count} slices, more than {MAX_SLICES}: "
        "slice by a column of few values (bin a numeric one first)"
    )


def _checked(
    config: Config, context: GateContext, key: dict[str, Any], name: str, rows: np.ndarray
) -> dict[str, Any]:
    """One slice's value, interval, baseline and verdict (`error` where it cannot be decided)."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.metric_details import statistic_details
    from mlops_gate.gates.metric_limits import broken_limits, summary
    from mlops_gate.gates.metric_scoring import measure_rows
    from mlops_gate.metrics.errors import MetricUndefined

    entry: dict[str, Any] = {"slice": key, "name": name, "rows": len(rows)}
    try:
        model, value, _ = measure_rows(config, context, "model", rows)
        baseline = None
        if context.has_baseline():
            baseline = measure_rows(config, context, "baseline", rows)[:2]
        details = statistic_details(config, model, value, baseline)
    except (GateError, MetricUndefined) as exc:
        return {**entry, "verdict": "error", "message": f"{name}: {exc}"}
    reference = baseline[1] if baseline is not None else None
    failures = broken_limits(config, value, reference, details, name=f"{config.metric} [{name}]")
    entry.update(value=value, baseline_value=reference)
    kept = ("ci_low", "ci_high", "delta", "delta_ci_low", "delta_ci_high")
    entry.update({k: details[k] for k in kept if k in details})
    entry["verdict"] = "fail" if failures else "pass"
    entry["message"] = (
        "; ".join(failures) if failures else f"{name}: " + summary(value, reference, details)
    )
    return entry


def _badness(entry: dict[str, Any], lower_is_better: bool) -> tuple[int, float]:
    """Worst verdict first, then the worst pessimistic value (lower-is-better: the highest)."""
    value = entry.get("value", math.nan)
    worst = entry.get("ci_high", value) if lower_is_better else -entry.get("ci_low", value)
    return RANK[entry["verdict"]], -math.inf if math.isnan(worst) else worst


def _result(
    config: Config, entries: list[dict[str, Any]], worst: dict[str, Any], notes: list[str]
) -> GateResult:
    from mlops_gate.gates.metric_limits import threshold
    from mlops_gate.results import GateResult, Verdict

    counts = {v: sum(e["verdict"] == v for e in entries) for v in ("fail", "error", "skip")}
    tally = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    limit, comparator = threshold(config, worst.get("baseline_value"))
    details: dict[str, Any] = {
        "metric": config.metric,
        "slices": entries,
        "worst_slice": worst["name"],
    }
    details.update(comparator=comparator, min_slice_rows=config.min_slice_rows)
    details.update({k: worst[k] for k in ("ci_low", "ci_high") if k in worst})  # for the charts
    details.update({"slice_by": config.slice_by} if config.slice_by else {"slice": config.slice})
    note = f" ({'; '.join(notes)})" if notes else ""
    prefix = f"worst of {len(entries)} slices" + (f" ({tally})" if tally else "")
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=Verdict(worst["verdict"]),
        value=worst.get("value"),
        threshold=limit,
        baseline_value=worst.get("baseline_value"),
        message=f"{prefix}: {worst['message']}{note}",
        details=details,
    )


def slice_name(key: dict[str, Any]) -> str:
    return ", ".join(
        f"{column}={'null' if value is None else value}" for column, value in key.items()
    )


def slice_value(value: Any) -> Any:
    """A JSON-ready slice value: Python scalars, None for a missing one."""
    import pandas as pd

    if hasattr(value, "item"):
        value = value.item()
    if value is None or bool(pd.isna(value)):
        return None
    return value if isinstance(value, str | int | float | bool) else str(value)
