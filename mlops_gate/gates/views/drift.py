"""The `drift` gate's report pieces: what reports/pieces.py finds through the gate's `VIEW`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_gate.results import GateResult


CHART_COLUMNS = 30  # bars in the PSI chart: the most drifted columns
CHART_HISTOGRAMS = 12  # bin-share charts shown open: every drifted column, up to this many
FOLDED_HISTOGRAMS = 40  # bin-share charts of the other columns, folded under <details>


def charts(result: GateResult) -> list[str]:
    """PSI per column with the warn and fail lines, then the bin shares of the most drifted."""
    from mlops_gate.render import svg
    from mlops_gate.render.charts_common import COLORS, limit_rule, num
    from mlops_gate.render.svg import Rule
    from mlops_gate.results import Verdict

    psi = _ranked_psi(result.details.get("columns"))
    if not psi:
        return []
    warn = num(result.details.get("warn"))
    rules = limit_rule("fail above", result.threshold)
    rules += [Rule("warn above", warn, COLORS[Verdict.WARN])] if warn is not None else []
    rows = [(name, value, _psi_color(value, warn, result.threshold)) for name, value in psi]
    more = len(psi) > CHART_COLUMNS
    shown = f" (the {CHART_COLUMNS} most drifted of {len(psi)})" if more else ""
    drawn = [svg.hbars(f"{result.id}: PSI per feature{shown}", rows[:CHART_COLUMNS], rules)]
    bins = result.details.get("bins")
    if isinstance(bins, dict):
        drawn += _histograms(psi, bins, warn if warn is not None else result.threshold)
    return drawn


def _histograms(
    psi: list[tuple[str, float]], bins: dict[str, Any], warn: float | None
) -> list[str]:
    """Each drifted column's bin shares (above the warn level), the others folded below."""
    from mlops_gate.render.escape import html_text

    charts = [
        (value, chart) for name, value in psi if (chart := _histogram(name, value, bins.get(name)))
    ]
    drifted = [chart for value, chart in charts if warn is None or value > warn]
    rest = [chart for value, chart in charts if not (warn is None or value > warn)]
    shown, rest = drifted[:CHART_HISTOGRAMS], drifted[CHART_HISTOGRAMS:] + rest
    if not rest:
        return shown
    summary = html_text(f"bin shares of {len(rest)} more column(s), less drifted")
    folded = "".join(rest[:FOLDED_HISTOGRAMS])
    return [*shown, f"<details><summary>{summary}</summary>{folded}</details>"]


def _ranked_psi(columns: object) -> list[tuple[str, float]]:
    """(column, PSI) for every column with a finite PSI, most drifted first."""
    from mlops_gate.render.charts_common import num

    if not isinstance(columns, dict):
        return []
    found = ((str(name), psi) for name, raw in columns.items() if (psi := num(raw)) is not None)
    return sorted(found, key=lambda item: -item[1])


def _psi_color(value: float, warn: float | None, fail: float | None) -> str:
    from mlops_gate.render.charts_common import COLORS
    from mlops_gate.results import Verdict

    if fail is not None and value > fail:
        return COLORS[Verdict.FAIL]
    if warn is not None and value > warn:
        return COLORS[Verdict.WARN]
    return COLORS[Verdict.PASS]


def _histogram(column: str, psi: float, spec: object) -> str | None:
    """Reference vs current share of rows per bin; None unless both are whole and match."""
    from mlops_gate.render import svg
    from mlops_gate.render.charts_common import CURRENT, REFERENCE, nums
    from mlops_gate.render.formatting import number
    from mlops_gate.render.svg import Series

    if not isinstance(spec, dict):
        return None
    reference, current = nums(spec.get("reference")), nums(spec.get("current"))
    if not reference or len(reference) != len(current):
        return None
    series = [Series("reference", reference, REFERENCE), Series("current", current, CURRENT)]
    title = f"{column}: share of rows per bin (PSI {number(psi)})"
    return svg.grouped_bars(title, bin_labels(spec, len(reference)), series, [])


def bin_labels(spec: dict[str, Any], count: int) -> list[str]:
    """Categories, or ranges from the interior edges (outer bins open, a last NaN bin if any)."""
    import itertools

    from mlops_gate.render.charts_common import nums
    from mlops_gate.render.formatting import number

    categories = spec.get("categories")
    if isinstance(categories, list):
        labels = [str(c) for c in categories]
    else:
        edges = nums(spec.get("edges"))
        inner = [f"{number(a)} to {number(b)}" for a, b in itertools.pairwise(edges)]
        labels = [f"< {number(edges[0])}", *inner, f"≥ {number(edges[-1])}"] if edges else []
    if len(labels) == count - 1:
        labels.append("NaN")  # DESIGN.md: missing values get a bin of their own
    return labels if len(labels) == count else [f"bin {i + 1}" for i in range(count)]


CHART_POINTS = 15  # bars in the PR comment's PSI chart


def points(result: GateResult) -> Points | None:
    """PSI of the drifted columns (above the warn level, else the threshold) for the PR comment."""
    from mlops_gate.render.charts_common import num
    from mlops_gate.render.formatting import number
    from mlops_gate.render.pieces import Points

    level = num(result.details.get("warn"))
    level = level if level is not None else result.threshold
    psi = _ranked_psi(result.details.get("columns"))
    drifted = [(name, value) for name, value in psi if level is None or value > level]
    if not drifted:
        return None
    shown = drifted[:CHART_POINTS]
    return Points(
        f"{result.id}: PSI of the drifted columns"
        + (
            f" (line: fail above {number(result.threshold)})"
            if result.threshold is not None
            else ""
        ),
        "PSI",
        tuple(name for name, _ in shown),
        tuple(value for _, value in shown),
        result.threshold,
    )


def breakdown(result: GateResult) -> Breakdown | None:
    """PSI per column for the folded table, most drifted first (a PSI that is not a number last)."""
    from mlops_gate.render.pieces import Breakdown

    columns = result.details.get("columns")
    if not isinstance(columns, dict) or not columns:
        return None
    ranked = sorted(columns.items(), key=lambda item: -_sortable(item[1]))
    rows = tuple((str(column), psi) for column, psi in ranked)
    return Breakdown("PSI per column", ("column", "PSI"), rows)


def _sortable(value: object) -> float:
    """A PSI to rank by; anything that is not a number sorts last."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return float(value)
    return float("-inf")


if TYPE_CHECKING:
    from mlops_gate.render.pieces import Breakdown, Points
