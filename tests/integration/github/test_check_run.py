"""The check run "mlops-gate / <policy>": conclusion, title, annotations, missing permission."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mlops_gate.github.client import GitHubError
from mlops_gate.github.publish import publish
from mlops_gate.report import CheckReport
from mlops_gate.results import GateResult, Verdict
from tests.integration.github.conftest import (
    NO_CHECKS_TOKEN,
    PR,
    READ_ONLY_TOKEN,
    context,
    settings,
)
from tests.integration.github.fake_github import FakeGitHub
from tests.report_samples import SHA, full_report, passing_report

pytestmark = pytest.mark.integration


def _runs(server: FakeGitHub) -> list[dict[str, Any]]:
    return list(server.state.check_runs.values())


def test_failing_report_gives_failure_with_an_annotation_per_gate_to_look_at(
    github: FakeGitHub, tmp_path: Path
) -> None:
    report = replace(full_report(), policy_path=str(tmp_path / "policies" / "mlops-gate.yaml"))
    result = publish(report, context=context(workspace=tmp_path), settings=settings(github))
    (run,) = _runs(github)
    assert result.check_run_id == run["id"]
    assert (run["name"], run["head_sha"], run["status"], run["conclusion"]) == (
        "mlops-gate / fraud-detector",
        SHA,
        "completed",
        "failure",
    )
    assert run["output"]["title"] == "failed: 3 pass, 1 warn, 1 fail"
    notes = {
        (n["title"], n["annotation_level"], n["start_line"], n["path"]) for n in run["_annotations"]
    }
    assert notes == {
        ("drift: fail", "failure", 18, "policies/mlops-gate.yaml"),
        ("bias:sex: warn", "warning", 15, "policies/mlops-gate.yaml"),
    }


def test_warnings_pass_as_success(github: FakeGitHub) -> None:
    warn = GateResult(
        id="drift", type="drift", verdict=Verdict.WARN, value=0.15, threshold=0.2, policy_line=3
    )
    report = CheckReport(policy_name="p", policy_path="p.yaml", policy_sha256="", gates=[warn])
    publish(report, context=context(), settings=settings(github), comment=False)
    (run,) = _runs(github)
    assert run["conclusion"] == "success"
    assert run["output"]["title"] == "passed: 1 warn"


def test_an_undecided_gate_is_a_failure_titled_could_not_decide(github: FakeGitHub) -> None:
    error = GateResult(
        id="latency:cuda:p95",
        type="latency",
        verdict=Verdict.ERROR,
        message="no CUDA",
        policy_line=5,
    )
    report = CheckReport(policy_name="p", policy_path="p.yaml", policy_sha256="", gates=[error])
    publish(report, context=context(), settings=settings(github), comment=False)
    (run,) = _runs(github)
    assert run["conclusion"] == "failure"
    assert run["output"]["title"] == "could not decide: 1 error"
    assert run["_annotations"][0]["message"] == "value —, threshold —: no CUDA"


def test_more_than_fifty_annotations_go_in_batches(github: FakeGitHub) -> None:
    gates = [
        GateResult(
            id=f"g{i}",
            type="size",
            verdict=Verdict.FAIL,
            value=2.0,
            threshold=1.0,
            policy_line=i + 1,
        )
        for i in range(120)
    ]
    report = CheckReport(policy_name="many", policy_path="p.yaml", policy_sha256="", gates=gates)
    publish(report, context=context(), settings=settings(github), comment=False)
    (run,) = _runs(github)
    assert [n["start_line"] for n in run["_annotations"]] == list(range(1, 121))
    calls = [(m, s) for m, p, s in github.state.requests if "check-runs" in p]
    assert calls == [("POST", 201), ("PATCH", 200), ("PATCH", 200)]


def test_missing_checks_permission_still_posts_the_comment_with_one_warning(
    github: FakeGitHub,
) -> None:
    result = publish(full_report(), context=context(), settings=settings(github, NO_CHECKS_TOKEN))
    assert len(github.comments_on(PR)) == 1
    assert _runs(github) == []
    assert result.check_run_id is None
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(
        "check run not created: GitHub: could not create the check run: HTTP 403: Resource not"
    )
    assert "checks: write" in result.warnings[0]


def test_a_read_only_token_fails_the_post_clearly(github: FakeGitHub) -> None:
    with pytest.raises(
        GitHubError, match=r"could not create the sticky comment: HTTP 403: Resource not accessible"
    ):
        publish(passing_report(), context=context(), settings=settings(github, READ_ONLY_TOKEN))


def test_a_push_has_no_pull_request_so_only_the_check_run(github: FakeGitHub) -> None:
    result = publish(passing_report(), context=context(pr=None), settings=settings(github))
    assert result.comment is None
    assert result.check_run_id is not None
    assert result.warnings == (
        "not a pull request: no comment posted (the check run has the verdict)",
    )
    assert github.comments_on(PR) == []
