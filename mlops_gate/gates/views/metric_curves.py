"""The `metric` gate's curves in the HTML report, from `details.curves` (`gates/metric_curves.py`).

A confusion matrix as a table shaded by each true class's share, ROC and precision-recall curves
side by side and a calibration plot (the champion's curves overlaid where recorded), or for
regression predicted against actual and a residual histogram. Details from an older results
JSON, or malformed, draw nothing rather than half a chart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_gate.results import GateResult

PAIR = '<div style="display:flex;flex-wrap:wrap;gap:8px">{}</div>'


def charts(result: GateResult) -> list[str]:
    found = result.details.get("curves")
    if not isinstance(found, dict):
        return []
    drawn = [_confusion(found.get("confusion"))]
    drawn += _probability(found)
    drawn += _regression(found.get("regression"))
    return [chart for chart in drawn if chart]


def _pairs(raw: Any, x: str, y: str) -> tuple[list[float], list[float]]:
    from mlops_gate.render.charts_common import nums

    if not isinstance(raw, dict):
        return [], []
    xs, ys = nums(raw.get(x)), nums(raw.get(y))
    return (xs, ys) if xs and len(xs) == len(ys) else ([], [])


def _probability(found: dict[str, Any]) -> list[str]:
    from mlops_gate.render.charts_common import CHAMPION, CURRENT
    from mlops_gate.render.svg_lines import Line, chart

    sources = [
        ("this model", found.get("model"), CURRENT),
        ("champion", found.get("champion"), CHAMPION),
    ]
    shapes = {
        "roc": ("ROC curve", "roc", "fpr", "tpr", ("false positive rate", "true positive rate"), True),
        "pr": ("Precision-recall", "pr", "recall", "precision", ("recall", "precision"), False),
        "calibration": ("Calibration", "calibration", "predicted", "observed",
                        ("mean predicted probability", "share positive"), True),
    }  # fmt: skip
    drawn = []
    for title, key, x, y, axes, diagonal in shapes.values():
        lines = []
        for name, curves, color in sources:
            xs, ys = _pairs(curves.get(key) if isinstance(curves, dict) else None, x, y)
            if xs:
                lines.append(Line(name, xs, ys, color))
        drawn.append(chart(title, lines, axes, diagonal=diagonal) if lines else "")
    return [PAIR.format("".join(drawn))] if any(drawn) else []


def _confusion(raw: Any) -> str:
    """The matrix as a table: rows the true class, columns the predicted, shaded by row share."""
    from mlops_gate.render.escape import html_text as escape

    if not isinstance(raw, dict):
        return ""
    classes, matrix = raw.get("classes"), raw.get("matrix")
    if not isinstance(classes, list) or not isinstance(matrix, list) or len(matrix) != len(classes):
        return ""
    if not all(isinstance(r, list) and len(r) == len(classes) for r in matrix):
        return ""
    head = "".join(f"<th>predicted {escape(c)}</th>" for c in classes)
    rows = []
    for name, row in zip(classes, matrix, strict=True):
        total = sum(v for v in row if isinstance(v, int)) or 1
        cells = "".join(_cell(v, total) for v in row)
        rows.append(f"<tr><th>true {escape(name)}</th>{cells}</tr>")
    return (
        '<table class="confusion"><caption>Confusion matrix (eval rows)</caption>'
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _cell(value: Any, total: int) -> str:
    count = value if isinstance(value, int) else 0
    share = count / total
    shade = f"rgba(21,101,192,{0.08 + 0.8 * share:.2f})"
    ink = "#fff" if share > 0.5 else "#1f2328"
    return (
        f'<td class="num" style="background:{shade};color:{ink}">'
        f"{count:,} <small>({share:.0%})</small></td>"
    )


def _regression(raw: Any) -> list[str]:
    from mlops_gate.render import svg
    from mlops_gate.render.charts_common import CURRENT, nums
    from mlops_gate.render.formatting import number
    from mlops_gate.render.svg import Series
    from mlops_gate.render.svg_lines import Line, chart

    actual, predicted = _pairs(raw, "actual", "predicted")
    if not actual:
        return []
    scatter = chart("Predicted against actual", [Line("rows", actual, predicted, CURRENT, dots=True)],
                    ("actual", "predicted"), diagonal=True, unit=False)  # fmt: skip
    assert isinstance(raw, dict)
    edges, counts = nums(raw.get("residual_edges")), nums(raw.get("residual_counts"))
    if len(edges) != len(counts) + 1 or not counts:
        return [scatter]
    import itertools

    labels = [number((a + b) / 2) for a, b in itertools.pairwise(edges)]
    histogram = svg.grouped_bars("Residuals (predicted - actual), rows per bin", labels,
                                 [Series("rows", counts, CURRENT)], [])  # fmt: skip
    return [scatter, histogram]
