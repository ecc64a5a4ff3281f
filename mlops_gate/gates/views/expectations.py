"""The `expectations` gate's report pieces: each expectation with what was observed.

Found by `reports/pieces.py` through the gate's `VIEW`. The reviewer sees every expectation
(failed first), its observed value, the share of unexpected rows and a few unexpected values when
the engine recorded them (`unexpected_samples`, from Great Expectations' partial unexpected list):
every cell is escaped, since the samples are data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_gate.render.pieces import Breakdown
    from mlops_gate.results import GateResult

SAMPLES = 5  # unexpected values shown per expectation
HEADER = ("expectation", "result", "observed", "% unexpected", "unexpected samples")


def _entries(result: GateResult) -> list[dict[str, Any]]:
    """The recorded expectations, the failed ones first (their recorded order otherwise)."""
    found = result.details.get("expectations")
    if not isinstance(found, list):
        return []
    entries = [e for e in found if isinstance(e, dict)]
    return sorted(entries, key=lambda e: e.get("success") is True)


def _name(entry: dict[str, Any]) -> str:
    kwargs = entry.get("kwargs") if isinstance(entry.get("kwargs"), dict) else {}
    assert isinstance(kwargs, dict)
    column = kwargs.get("column")
    kind = str(entry.get("type", "expectation"))
    return f"{kind}({column})" if column is not None else kind


def _observed(value: object) -> str:
    """An observed value in a few words (a number formatted, a long structure clipped)."""
    from mlops_gate.render.formatting import number

    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return number(float(value))
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _samples(entry: dict[str, Any]) -> str:
    raw = entry.get("unexpected_samples")
    if not isinstance(raw, list) or not raw:
        return ""
    shown = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in raw[:SAMPLES])
    return shown + (f" (+{len(raw) - SAMPLES} more)" if len(raw) > SAMPLES else "")


def _row(entry: dict[str, Any]) -> tuple[str, str, str, str, str]:
    from mlops_gate.render.formatting import number

    percent = entry.get("unexpected_percent")
    share = f"{number(float(percent))} %" if isinstance(percent, int | float) else ""
    verdict = "met" if entry.get("success") is True else "FAILED"
    return (_name(entry), verdict, _observed(entry.get("observed_value")), share, _samples(entry))


def charts(result: GateResult) -> list[str]:
    """An HTML table of every expectation (escaped), failed first, empty columns left out."""
    from mlops_gate.render.escape import html_text as escape

    rows = [_row(entry) for entry in _entries(result)]
    if not rows:
        return []
    keep = [i for i in range(len(HEADER)) if i < 2 or any(row[i] for row in rows)]
    head = "".join(f"<th>{escape(HEADER[i])}</th>" for i in keep)
    body = "".join(
        "<tr"
        + (' class="bad"' if row[1] == "FAILED" else "")
        + ">"
        + "".join(f"<td>{escape(row[i])}</td>" for i in keep)
        + "</tr>"
        for row in rows
    )
    return [
        f'<table class="expectations"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    ]


def breakdown(result: GateResult) -> Breakdown | None:
    """The same table for Markdown and the PR comment (the reporter drops empty columns)."""
    from mlops_gate.render.pieces import Breakdown

    rows = tuple(_row(entry) for entry in _entries(result))
    return Breakdown("expectations", HEADER, rows) if rows else None
