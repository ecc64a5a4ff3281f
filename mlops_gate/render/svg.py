"""Three small SVG chart shapes for the HTML report, as strings, with no dependency.

Horizontal bars (PSI per feature), grouped vertical bars (histograms, per-group rates, latency
percentiles) and intervals (a metric with its confidence interval against the champion), each with
reference lines for thresholds. Every piece of text is passed through `html.escape`; labels are
clipped for layout and kept whole in a `<title>` tooltip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mlops_gate.render.escape import html_text as escape
from mlops_gate.render.formatting import number

WIDTH = 760
OFF_SCALE = 4.0  # a rule this many times above the tallest bar is named, not drawn
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


@dataclass(frozen=True)
class Rule:
    """A reference line across the chart: a threshold, a warn level, the champion's value."""

    label: str
    value: float
    color: str


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]
    color: str


def hbars(title: str, rows: list[tuple[str, float, str]], rules: list[Rule], unit: str = "") -> str:
    """One horizontal bar per (label, value, colour) row, largest first as given, with rules."""
    left, right, top, row_h = 210, 70, 40, 22
    height = top + row_h * len(rows) + 28
    top_value = _top([v for _, v, _ in rows] + [r.value for r in rules])
    span = WIDTH - left - right

    def x(value: float) -> float:
        return left + span * max(0.0, value) / top_value

    parts = [_open(title, height)]
    for index, (label, value, color) in enumerate(rows):
        y = top + index * row_h
        parts.append(_label(label, left - 8, y + 15, anchor="end", clip=30))
        width = max(0.0, x(value) - left)
        parts.append(_rect(left, y + 3, width, row_h - 6, color))
        parts.append(_text(f"{number(value)}{unit}", x(value) + 4, y + 15))
    bottom = top + row_h * len(rows)
    # Captions alternate sides of their line so that close rules (warn, fail) stay legible.
    parts += [_vrule(r, x(r.value), top - 6, bottom, unit, i % 2 == 1) for i, r in enumerate(rules)]
    parts.append(_line(left, bottom, WIDTH - right, bottom, "#999"))
    return "".join(parts) + "</svg>"


@dataclass(frozen=True)
class _Columns:
    """The plot area of vertical bars: left edge, top, height, and the value at the top."""

    left: float
    top: float
    height: float
    top_value: float

    @property
    def base(self) -> float:
        return self.top + self.height

    def y(self, value: float) -> float:
        return self.base - self.height * max(0.0, min(value, self.top_value)) / self.top_value


def grouped_bars(
    title: str, categories: list[str], series: list[Series], rules: list[Rule], unit: str = ""
) -> str:
    """Vertical bars: a group per category, a bar per series, with horizontal rules and a legend."""
    right = WIDTH - 20
    rotate = len(categories) > 8 or max((len(c) for c in categories), default=0) > 10
    bars = [v for s in series for v in s.values]
    # A limit far above the bars (100 ms against 0.02 ms) would flatten them to nothing: such a
    # rule is named above the chart instead of drawn.
    off_scale = [r for r in rules if bars and r.value > OFF_SCALE * max(bars)]
    rules = [r for r in rules if r not in off_scale]
    area = _Columns(86 if unit else 60, 44, 190, _top(bars + [r.value for r in rules]))
    parts = [_open(title, area.base + (90 if rotate else 40)), _legend(series, right)]
    for index, rule in enumerate(off_scale):
        caption = f"{rule.label} {number(rule.value)}{unit}: far above, not to scale"
        parts.append(_text(caption, area.left, area.top - 4 + 14 * index, fill=rule.color))
    for tick in (0.0, area.top_value / 2, area.top_value):
        parts.append(_line(area.left, area.y(tick), right, area.y(tick), "#e0e0e0"))
        parts.append(_text(number(tick) + unit, area.left - 6, area.y(tick) + 4, anchor="end"))
    parts += _bar_groups(area, right, categories, series, unit, rotate)
    # Captions alternate right and left so two close rules (limit, champion) stay legible.
    parts += [
        _hrule(r, area.y(r.value), area.left, right, unit, i % 2 == 1) for i, r in enumerate(rules)
    ]
    parts.append(_line(area.left, area.base, right, area.base, "#999"))
    return "".join(parts) + "</svg>"


def _bar_groups(
    area: _Columns,
    right: float,
    categories: list[str],
    series: list[Series],
    unit: str,
    rotate: bool,
) -> list[str]:
    parts = []
    group_w = (right - area.left) / max(1, len(categories))
    bar_w = max(2.0, (group_w * 0.8) / max(1, len(series)))
    for i, category in enumerate(categories):
        x0 = area.left + i * group_w + group_w * 0.1
        for j, item in enumerate(series):
            value = item.values[i] if i < len(item.values) else 0.0
            tip = f"{item.name} · {category}: {number(value)}{unit}"
            height = area.base - area.y(value)
            parts.append(_rect(x0 + j * bar_w, area.y(value), bar_w - 1, height, item.color, tip))
        anchor = "end" if rotate else "middle"
        cx = area.left + (i + 0.5) * group_w
        parts.append(_label(category, cx, area.base + 14, anchor=anchor, clip=14, rotate=rotate))
    return parts


def intervals(
    title: str, rows: list[tuple[str, float, float | None, float | None, str]], rules: list[Rule]
) -> str:
    """One point per (label, value, low, high, colour) row, with its interval, on a shared axis."""
    left, right, top, row_h = 170, 40, 44, 34
    height = top + row_h * len(rows) + 34
    values = [v for _, value, low, high, _ in rows for v in (value, low, high) if v is not None]
    values += [r.value for r in rules]
    low_end, high_end = min(values), max(values)
    pad = (high_end - low_end) * 0.15 or abs(high_end) * 0.05 or 1.0
    low_end, high_end = low_end - pad, high_end + pad

    def x(value: float) -> float:
        return left + (WIDTH - left - right) * (value - low_end) / (high_end - low_end)

    parts = [_open(title, height)]
    for index, (label, value, low, high, color) in enumerate(rows):
        y = top + index * row_h + row_h / 2
        parts.append(_label(label, left - 10, y + 4, anchor="end", clip=24))
        if low is not None and high is not None:
            parts.append(_line(x(low), y, x(high), y, color, width=3))
            parts += [_line(x(end), y - 7, x(end), y + 7, color, width=2) for end in (low, high)]
        parts.append(f'<circle cx="{x(value):.1f}" cy="{y:.1f}" r="5" fill="{color}"/>')
        parts.append(_text(number(value), x(value), y - 10, anchor="middle"))
    bottom = top + row_h * len(rows)
    parts += [_vrule(rule, x(rule.value), top - 8, bottom, "") for rule in rules]
    parts.append(_line(left, bottom, WIDTH - right, bottom, "#999"))
    parts += [
        _text(number(v), x(v), bottom + 16, anchor="middle")
        for v in (low_end + pad, high_end - pad)
    ]
    return "".join(parts) + "</svg>"


def _top(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return max(finite, default=0.0) * 1.1 or 1.0


def _open(title: str, height: float) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{WIDTH}" height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" {FONT}>'
        f'<text x="8" y="20" font-size="14" font-weight="600">{escape(title)}</text>'
    )


def _text(text: str, x: float, y: float, anchor: str = "start", fill: str = "#1f2328") -> str:
    place = f'x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"'
    return f"<text {place}>{escape(text)}</text>"


def _label(text: str, x: float, y: float, *, anchor: str, clip: int, rotate: bool = False) -> str:
    shown = text if len(text) <= clip else text[: clip - 1] + "…"
    turn = f' transform="rotate(-40 {x:.1f} {y:.1f})"' if rotate else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{turn}>'
        f"<title>{escape(text)}</title>{escape(shown)}</text>"
    )


def _rect(x: float, y: float, width: float, height: float, color: str, tip: str = "") -> str:
    tooltip = f"<title>{escape(tip)}</title>" if tip else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{color}">'
        f"{tooltip}</rect>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, color: str, width: float = 1) -> str:
    ends = f'x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"'
    return f'<line {ends} stroke="{color}" stroke-width="{width}"/>'


def _vrule(rule: Rule, x: float, y1: float, y2: float, unit: str, at_left: bool = False) -> str:
    caption = f"{rule.label} {number(rule.value)}{unit}"
    if at_left:
        return _dashed(x, y1, x, y2, rule.color) + _text(caption, x - 3, y1 + 2, "end", rule.color)
    return _dashed(x, y1, x, y2, rule.color) + _text(caption, x + 3, y1 + 2, fill=rule.color)


def _hrule(rule: Rule, y: float, x1: float, x2: float, unit: str, at_left: bool) -> str:
    caption = f"{rule.label} {number(rule.value)}{unit}"
    where = (
        _text(caption, x1 + 4, y - 4, fill=rule.color)
        if at_left
        else _text(caption, x2, y - 4, "end", fill=rule.color)
    )
    return _dashed(x1, y, x2, y, rule.color) + where


def _dashed(x1: float, y1: float, x2: float, y2: float, color: str) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
        'stroke-width="2" stroke-dasharray="6 4"/>'
    )


def _legend(series: list[Series], right: float) -> str:
    parts = []
    x = right - 130 * len(series)
    for item in series:
        parts.append(f'<rect x="{x:.1f}" y="28" width="10" height="10" fill="{item.color}"/>')
        parts.append(_text(item.name, x + 14, 37))
        x += 130
    return "".join(parts)
