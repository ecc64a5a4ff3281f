"""The check run "mlops-gate / <policy>": conclusion, summary, one annotation per gate to look at.

`success` when the report passes (warnings included), `failure` when a gate failed and also when
the gate could not decide (titled "could not decide"): an undecided gate blocks like a failure.
Each failing, undecided or warning gate is annotated on the policy line that set it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mlops_gate.github.client import GitHubClient
from mlops_gate.render.formatting import counts, number, threshold
from mlops_gate.report import CheckReport
from mlops_gate.reports import pr_comment
from mlops_gate.results import GateResult, Verdict

if TYPE_CHECKING:
    from github.CheckRun import CheckRun

ANNOTATIONS_PER_REQUEST = 50  # GitHub's limit per create or update call
SUMMARY_LIMIT = 65_535  # GitHub's limit on `output.summary`
_TITLES = {"pass": "passed", "fail": "failed", "error": "could not decide"}
_LEVELS = {Verdict.FAIL: "failure", Verdict.ERROR: "failure", Verdict.WARN: "warning"}

Annotation = dict[str, str | int]


@dataclass(frozen=True)
class CheckRunContent:
    """What the check run shows, computed without touching the network."""

    name: str
    conclusion: str
    title: str
    summary: str
    annotations: list[Annotation]

    def output(self, annotations: list[Annotation]) -> dict[str, str | list[Annotation]]:
        return {"title": self.title, "summary": self.summary, "annotations": annotations}


def content(
    report: CheckReport, policy_file: str, report_url: str | None = None
) -> CheckRunContent:
    """The check run for `report`; `policy_file` is the policy's path in the repository."""
    name = " ".join(f"mlops-gate / {report.policy_name}".split())[:100]
    summary = pr_comment.render(report, sticky=False, report_url=report_url, limit=SUMMARY_LIMIT)
    return CheckRunContent(
        name=name,
        conclusion="success" if report.verdict == "pass" else "failure",
        title=f"{_TITLES[report.verdict]}: {counts(report.gates) or 'no gates'}",
        summary=summary,
        annotations=[_annotation(g, policy_file) for g in report.gates if g.verdict in _LEVELS],
    )


def post(client: GitHubClient, repository: str, sha: str, run: CheckRunContent) -> int:
    """Create the completed check run on `sha`, in batches of 50 annotations; returns its id."""
    repo = client.repository(repository)
    first, rest = (
        run.annotations[:ANNOTATIONS_PER_REQUEST],
        run.annotations[ANNOTATIONS_PER_REQUEST:],
    )
    created = client.call(
        "create the check run",
        lambda: repo.create_check_run(
            name=run.name,
            head_sha=sha,
            status="completed",
            conclusion=run.conclusion,
            completed_at=datetime.now(UTC),
            output=run.output(first),
        ),
    )
    for start in range(0, len(rest), ANNOTATIONS_PER_REQUEST):
        batch = rest[start : start + ANNOTATIONS_PER_REQUEST]
        # GitHub appends the annotations of each update to those already on the run.
        client.call("annotate the check run", _editor(created, run.output(batch)))
    return created.id


def _editor(check_run: CheckRun, output: dict[str, str | list[Annotation]]) -> Callable[[], None]:
    return lambda: check_run.edit(output=output)


def _annotation(gate: GateResult, policy_file: str) -> Annotation:
    line = gate.policy_line if gate.policy_line and gate.policy_line > 0 else 1
    message = f"value {number(gate.value)}, threshold {threshold(gate)}"
    if gate.message:
        message += f": {gate.message}"
    return {
        "path": policy_file,
        "start_line": line,
        "end_line": line,
        "annotation_level": _LEVELS[gate.verdict],
        "title": f"{gate.id}: {gate.verdict.value}"[:255],
        "message": message[:4000],
    }
