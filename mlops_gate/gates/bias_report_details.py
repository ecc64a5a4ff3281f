"""The `bias` gate's `details` (keys listed in `gates/bias.py`'s docstring; the report pieces in
`gates/views/bias.py` read them). Plain JSON only: no NaN (an undefined rate is null), no numpy
scalars."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_gate.metrics.fairness import is_ratio

if TYPE_CHECKING:
    from mlops_gate.gates.bias import Config
    from mlops_gate.gates.bias_measure import Measurement

DIGITS = 6
LIMIT_KEYS = ("min", "max", "max_increase", "max_increase_pct", "max_drop", "max_drop_pct")


def details(config: Config, m: Measurement) -> dict[str, Any]:
    from mlops_gate.gates.limits import set_limits

    out: dict[str, Any] = {
        "groups": _groups(config, m),
        "metric": config.metric,
        "sensitive": config.columns,
        "excluded": [g for g, k in zip(m.groups, m.kept, strict=True) if not k],
        "min_group_size": config.min_group_size,
        "limits": set_limits(config, LIMIT_KEYS),
        "warn": config.warn,
    }
    if m.gap is not None:
        out.update(rate=m.gap.rate, highest=m.gap.highest, lowest=m.gap.lowest)
    if m.positive is not None:
        out["pos_label"] = _plain(m.positive.label)
        if m.positive.note:
            out["class_note"] = m.positive.note
    if m.bins:
        out["bins"] = m.bins
    if m.interval is not None:
        out["interval"] = {
            "low": m.interval.low,
            "high": m.interval.high,
            "confidence": m.interval.confidence,
            "n_resamples": m.interval.n_resamples,
            "seed": m.interval.seed,
            "method": "basic bootstrap",
            "gated": "high" if is_ratio(config.metric) else "low",
        }
    out.update(_baseline(m))
    return out


def _baseline(m: Measurement) -> dict[str, Any]:
    if m.baseline is None or m.gap is None:
        return {}
    out: dict[str, Any] = {
        "baseline": {
            "value": m.baseline.value,
            "highest": m.baseline.highest,
            "lowest": m.baseline.lowest,
        },
        "delta": m.gap.value - m.baseline.value,
    }
    if m.delta_interval is not None:
        out["delta_interval"] = {"low": m.delta_interval.low, "high": m.delta_interval.high}
    return out


def _groups(config: Config, m: Measurement) -> dict[str, dict[str, Any]]:
    """Per group: rows, its numbers, (for a ratio) its rate over the highest gated group's."""
    ratios = _ratios(config, m)
    out = {}
    for i, (group, rows, keep) in enumerate(zip(m.groups, m.rows, m.kept, strict=True)):
        entry: dict[str, Any] = {"rows": rows}
        entry.update({name: values[i] for name, values in m.columns.items()})
        if ratios is not None:
            entry["ratio"] = ratios[i]
        entry["excluded"] = not keep
        out[str(group)] = entry
    return out


def _ratios(config: Config, m: Measurement) -> list[float | None] | None:
    if m.gap is None or not is_ratio(config.metric):
        return None
    top = m.gap.per_group[m.gap.highest]
    column = m.columns[m.gap.rate]
    return [None if v is None or top <= 0 else round(v / top, DIGITS) for v in column]


def _plain(label: Any) -> Any:
    """A numpy scalar as its Python value (JSON), anything else unchanged."""
    item = getattr(label, "item", None)
    return item() if callable(item) else label
