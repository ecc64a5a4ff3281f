"""What lands on GitHub: a huge report stays under the limit; hostile names stay inert."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from mlops_gate.github.publish import publish
from mlops_gate.report import CheckReport
from mlops_gate.reports import pr_comment, snapshot
from mlops_gate.results import GateResult, Verdict
from tests.integration.github.conftest import PR, context, settings
from tests.integration.github.fake_github import FakeGitHub
from tests.report_samples import INJECTIONS, drift_gate, full_report, injection_report

pytestmark = pytest.mark.integration


def _huge_report() -> CheckReport:
    """Thousands of drifted columns and dozens of long messages: far over 70,000 characters."""
    base = full_report()
    columns = {f"feature_{i:05d}_{'x' * 40}": 0.3 + i * 1e-5 for i in range(3000)}
    expectations = [
        GateResult(id=f"expect:{i}", type="expectations", verdict=Verdict.FAIL, message="m" * 900)
        for i in range(90)
    ]
    return replace(base, gates=[base.gates[0], drift_gate(columns), *expectations])


def _cells(line: str) -> int:
    return len(re.split(r"(?<!\\)\|", line.strip())) - 2


def test_a_report_over_70000_characters_is_truncated_under_the_limit(github: FakeGitHub) -> None:
    report = _huge_report()
    assert len(pr_comment.render(report, limit=10**7)) > 70_000
    publish(report, context=context(), settings=settings(github), check_run=False)
    (comment,) = github.comments_on(PR)
    body = comment["body"]
    assert len(body) <= 65_536  # the server refuses anything longer (422), as GitHub does
    assert pr_comment.TRUNCATION_NOTE in body
    assert body.count("<details>") == body.count("</details>")
    assert body.startswith(snapshot.marker(report.policy_name))
    assert snapshot.decode(body) is not None  # the next push can still say what changed
    assert "| drift | 0.3300 | ≤ 0.2000 |" in body  # the gate table comes first and is whole


def test_injection_payloads_are_inert_in_the_comment(github: FakeGitHub) -> None:
    publish(injection_report(), context=context(), settings=settings(github), check_run=False)
    (comment,) = github.comments_on(PR)
    visible = re.sub(r"<!-- mlops-gate(-data)?:[^>]*-->", "", comment["body"])
    for payload in INJECTIONS:
        assert payload not in visible
    assert "<script" not in visible.lower()
    assert not re.search(r"(?<!\\)\]\((?!https://github\.com/)", visible)  # no link but ours
    assert not re.search(r"(?<!\\)!\[", visible)  # no image
    assert not re.search(r"@org", visible)  # no mention (a zero-width space breaks it)
    tables: list[list[str]] = []
    previous = ""
    for line in visible.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(line)
        previous = line
    assert [len(t) for t in tables] == [4, 7, 7]  # gate table, PSI per column, rates per group
    for table in tables:  # no pipe broke out of its cell: every row has its header's cells
        assert {_cells(line) for line in table} == {_cells(table[0])}, table
