"""Plain-text lines for a canary's live progress, so every front end shows the same words.

`status_lines` is `mlops-gate deploy --status` for a canary running in another process.
`event_line` turns a `CanaryEvent` into one line (the CLI prints it, or updates a live status line
with the `tick` ones); `criteria_line` is the per-step analysis in short, e.g.
`error rate 0.00% (0/200) <= 0.01 [ok] | canary p95 11.2 ms <= 120 [ok]`.
"""

from __future__ import annotations

from pathlib import Path

from mlops_gate.deploy.local.analysis import StepAnalysis
from mlops_gate.deploy.local.outcome import CanaryEvent
from mlops_gate.deploy.local.state import RUNNING, read_status

MARKS = {"pass": "ok", "fail": "FAIL", "pending": "..."}


def criteria_line(analysis: StepAnalysis) -> str:
    return " | ".join(f"{c.message} [{MARKS[c.verdict]}]" for c in analysis.criteria)


def event_line(event: CanaryEvent) -> str:
    counts = event.requests
    traffic = f"{counts.sent} sent, {counts.answered} answered"
    if counts.failed:
        traffic += f", {counts.failed} failed"
    if event.kind == "finished":  # before the end, sent - answered is only what is in flight
        traffic += f", {counts.lost} lost"
    if event.kind == "tick" and event.analysis is not None:
        where = f"step {(event.step or 0) + 1} at {event.weight}% ({event.elapsed_s:.1f} s)"
        return f"{where}: {criteria_line(event.analysis)} — {traffic}"
    if event.kind == "finished" and event.outcome is not None:
        return f"canary {event.outcome.status}: {event.message} — {traffic}"
    return f"{event.kind}: {event.message} — {traffic}"


def status_lines(state_dir: Path) -> list[str]:
    """`mlops-gate deploy --status` for a local canary: its state, one line per finished step,
    and the current step's analysis while it runs. Raises `DeployError` when there is no state."""
    document = read_status(state_dir)
    status, steps = document.get("status"), document.get("steps") or []
    if status == RUNNING and not document["alive"]:
        status = f"dead (its process {document.get('pid')} is gone; last state below)"
    elif status == RUNNING:
        status = f"running (pid {document.get('pid')})"
    step = document.get("step")
    where = f"step {step + 1}/{len(steps)} at {document.get('weight')}%" if step is not None else ""
    counts = document.get("requests") or {}
    traffic = f"{counts.get('sent', 0)} sent, {counts.get('lost', 0)} lost"
    lines = [f"local canary: {status}; {where or 'not started'}; {traffic}"]
    for result in document.get("results") or []:
        lines.append(
            f"  step {result['index'] + 1} ({result['weight']}%): {result['verdict']} "
            f"after {result['duration_s']:.1f} s: {result['message']}"
        )
    current = document.get("current")
    if current:
        marks = " | ".join(f"{c['message']} [{MARKS[c['verdict']]}]" for c in current["criteria"])
        lines.append(f"  now: {marks}")
    if document.get("message"):
        lines.append(f"  {document['message']}")
    return lines
