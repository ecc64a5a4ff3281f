"""The drawing primitives of `render/svg.py`: text, labels, bars, lines, rules and legends.

Every piece of text is made inert by `escape.html_text`; a label clipped for layout keeps its
whole text in a `<title>` tooltip.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlops_gate.render.escape import html_text as escape
from mlops_gate.render.formatting import number

WIDTH = 760
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


def open(title: str, height: float) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{WIDTH}" height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" {FONT}>'
        f'<text x="8" y="20" font-size="14" font-weight="600">{escape(title)}</text>'
    )


def text(
    text: str, x: float, y: float, anchor: str = "start", fill: str = "#1f2328", size: int = 0
) -> str:
    place = f'x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"'
    place += f' font-size="{size}"' if size else ""
    return f"<text {place}>{escape(text)}</text>"


def label(text: str, x: float, y: float, *, anchor: str, clip: int, rotate: bool = False) -> str:
    shown = text if len(text) <= clip else text[: clip - 1] + "…"
    turn = f' transform="rotate(-40 {x:.1f} {y:.1f})"' if rotate else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{turn}>'
        f"<title>{escape(text)}</title>{escape(shown)}</text>"
    )


def rect(x: float, y: float, width: float, height: float, color: str, tip: str = "") -> str:
    tooltip = f"<title>{escape(tip)}</title>" if tip else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{color}">'
        f"{tooltip}</rect>"
    )


def line(x1: float, y1: float, x2: float, y2: float, color: str, width: float = 1) -> str:
    ends = f'x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"'
    return f'<line {ends} stroke="{color}" stroke-width="{width}"/>'


def vrule(rule: Rule, x: float, y1: float, y2: float, unit: str, at_left: bool = False) -> str:
    caption = f"{rule.label} {number(rule.value)}{unit}"
    if at_left or x + 8 * len(caption) > WIDTH:  # a caption would run off the right edge
        return dashed(x, y1, x, y2, rule.color) + text(caption, x - 3, y1 + 2, "end", rule.color)
    return dashed(x, y1, x, y2, rule.color) + text(caption, x + 3, y1 + 2, fill=rule.color)


def hrule(rule: Rule, y: float, x1: float, x2: float, unit: str, at_left: bool) -> str:
    caption = f"{rule.label} {number(rule.value)}{unit}"
    where = (
        text(caption, x1 + 4, y - 4, fill=rule.color)
        if at_left
        else text(caption, x2, y - 4, "end", fill=rule.color)
    )
    return dashed(x1, y, x2, y, rule.color) + where


def dashed(x1: float, y1: float, x2: float, y2: float, color: str) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
        'stroke-width="2" stroke-dasharray="6 4"/>'
    )


def legend(series: list[Series], right: float) -> str:
    parts = []
    x = right - 130 * len(series)
    for item in series:
        parts.append(f'<rect x="{x:.1f}" y="28" width="10" height="10" fill="{item.color}"/>')
        parts.append(text(item.name, x + 14, 37))
        x += 130
    return "".join(parts)
