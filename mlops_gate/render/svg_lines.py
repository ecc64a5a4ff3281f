"""Line and scatter charts on two numeric axes (ROC, precision-recall, calibration, predicted
against actual), small enough to sit two abreast in the HTML report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlops_gate.render import svg_parts as parts
from mlops_gate.render.escape import html_text as escape
from mlops_gate.render.svg_parts import FONT
from mlops_gate.render.ticks import nice_ticks, tick_label

SIZE = (370, 330)
BOX = (52, 40, 352, 290)  # left, top, right, bottom of the plot area
Place = Callable[[float, float], tuple[float, float]]  # data (x, y) to pixels


@dataclass(frozen=True)
class Line:
    """One curve: its name (legend), points, colour; `dots` draws markers, not a line."""

    name: str
    xs: list[float]
    ys: list[float]
    color: str
    dots: bool = False


def chart(
    title: str,
    lines: list[Line],
    axes: tuple[str, str],
    *,
    diagonal: bool = False,
    unit: bool = True,
) -> str:
    """`lines` on two axes: 0 to 1 (`unit`: rates, probabilities) or one shared round range from
    the data (predicted against actual), with the y = x diagonal if asked."""
    xs = [x for line in lines for x in line.xs]
    ys = [y for line in lines for y in line.ys]
    if not xs or not ys:
        return ""
    ticks = [0.0, 0.25, 0.5, 0.75, 1.0] if unit else nice_ticks(min(xs + ys), max(xs + ys))
    left, top, right, bottom = BOX

    def at(x: float, y: float) -> tuple[float, float]:
        span = (ticks[-1] - ticks[0]) or 1.0
        fx, fy = (x - ticks[0]) / span, (y - ticks[0]) / span
        return left + (right - left) * fx, bottom - (bottom - top) * fy

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{SIZE[0]}" height="{SIZE[1]}" viewBox="0 0 {SIZE[0]} {SIZE[1]}" {FONT}>',
        f'<text x="8" y="18" font-size="13" font-weight="600">{escape(title)}</text>',
    ]
    out += _axes(ticks, at, axes)
    if diagonal:
        (x1, y1), (x2, y2) = at(ticks[0], ticks[0]), at(ticks[-1], ticks[-1])
        out.append(parts.dashed(x1, y1, x2, y2, "#bdbdbd"))
    out += [_draw(line, at) for line in lines]
    out += _legend(lines)
    return "".join(out) + "</svg>"


def _axes(ticks: list[float], at: Place, names: tuple[str, str]) -> list[str]:
    left, top, right, bottom = BOX
    out = []
    for tick in ticks:
        x, y = at(tick, tick)
        out.append(parts.line(x, top, x, bottom, "#eeeeee"))
        out.append(parts.text(tick_label(tick), x, bottom + 14, "middle"))
        out.append(parts.line(left, y, right, y, "#eeeeee"))
        out.append(parts.text(tick_label(tick), left - 5, y + 4, "end"))
    out.append(parts.text(names[0], (left + right) / 2, bottom + 30, "middle"))
    out.append(parts.text(names[1], 12, top - 8))
    out.append(parts.line(left, bottom, right, bottom, "#999"))
    return out


def _draw(line: Line, at: Place) -> str:
    points = [at(x, y) for x, y in zip(line.xs, line.ys, strict=False)]
    if line.dots:
        return "".join(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{line.color}" fill-opacity="0.6"/>'
            for x, y in points
        )
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (
        f'<polyline points="{path}" fill="none" stroke="{line.color}" stroke-width="2">'
        f"<title>{escape(line.name)}</title></polyline>"
    )


def _legend(lines: list[Line]) -> list[str]:
    """Stacked low in the middle of the plot, where ROC, PR and calibration curves leave room."""
    left, _, right, bottom = BOX
    out, x = [], left + (right - left) * 0.42
    for index, line in enumerate(lines):
        y = bottom - 18 - 16 * (len(lines) - 1 - index)
        out.append(
            f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{line.color}"/>'
        )
        out.append(parts.text(line.name, x + 14, y))
    return out
