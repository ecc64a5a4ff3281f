"""The sticky PR comment against a real HTTP server speaking GitHub's REST API: one per policy."""

from __future__ import annotations

import threading

import pytest

from mlops_gate.github.client import GitHubClient
from mlops_gate.github.comment import StickyComment
from mlops_gate.github.publish import PublishResult, publish
from mlops_gate.reports import pr_comment, snapshot
from tests.integration.github.conftest import ALICE, BOT, MALLORY, PAT_TOKEN, PR, context, settings
from tests.integration.github.fake_github import FakeGitHub
from tests.report_samples import full_report, passing_report

pytestmark = pytest.mark.integration
COMMENTS = r"/repos/acme/fraud/issues/7/comments"


def _post(
    server: FakeGitHub, report_name: str = "fraud-detector", *, passing: bool = False
) -> PublishResult:
    report = passing_report(report_name) if passing else full_report(report_name)
    return publish(report, context=context(), settings=settings(server), check_run=False)


def test_first_post_creates_one_comment_with_marker_and_snapshot(github: FakeGitHub) -> None:
    result = _post(github)
    comments = github.comments_on(PR)
    assert len(comments) == 1
    assert result.comment is not None
    assert result.comment.created
    body = comments[0]["body"]
    assert body.startswith(snapshot.marker("fraud-detector"))
    assert snapshot.decode(body) is not None
    assert "What changed" not in body  # nothing to compare with on the first push
    assert "[Full HTML report](https://github.com/acme/fraud/actions/runs/42#artifacts)" in body


def test_rerun_edits_the_same_comment_and_says_what_changed(github: FakeGitHub) -> None:
    first = _post(github, passing=True)
    second = _post(github)
    comments = github.comments_on(PR)
    assert len(comments) == 1
    assert first.comment is not None
    assert second.comment is not None
    assert first.comment.comment_id == second.comment.comment_id
    assert not second.comment.created
    body = comments[0]["body"]
    assert "### What changed since the previous push (`0123456`)" in body
    assert "- **overall**: ✅ PASS → ❌ FAIL" in body
    assert "- **metric:f1**: 0.9500 → 0.9310 (-0.0190)" in body
    methods = [
        (method, status)
        for method, path, status in github.state.requests
        if path.startswith("/repos")
    ]
    assert methods.count(("POST", 201)) == 1
    assert methods.count(("PATCH", 200)) == 1


def test_unchanged_rerun_does_not_write_again(github: FakeGitHub) -> None:
    _post(github)
    _post(github)
    writes = [m for m, path, _ in github.state.requests if m in ("POST", "PATCH", "DELETE")]
    assert writes == ["POST", "PATCH"]  # the second run only adds the "what changed" section
    _post(github)
    writes = [m for m, path, _ in github.state.requests if m in ("POST", "PATCH", "DELETE")]
    assert writes == ["POST", "PATCH"]


@pytest.mark.parametrize("jobs", [2, 3])
def test_concurrent_runs_leave_one_comment(github: FakeGitHub, jobs: int) -> None:
    # Every job's first listing is held until all have asked: all see no comment, all create.
    github.hold("GET", COMMENTS, parties=jobs)
    results: list[PublishResult] = []
    errors: list[BaseException] = []

    def job(index: int) -> None:
        try:
            results.append(_post(github, passing=index % 2 == 0))
        except BaseException as exc:  # surfaced below: a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=job, args=(index,)) for index in range(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    posts = [status for method, path, status in github.state.requests if method == "POST"]
    assert posts == [201] * jobs  # the race really happened: every job created a comment
    comments = github.comments_on(PR)
    assert len(comments) == 1
    assert {r.comment.comment_id for r in results if r.comment} == {comments[0]["id"]}
    assert comments[0]["id"] == 1001  # the first id the server handed out: the oldest survives


def test_stale_duplicates_collapse_to_the_oldest(github: FakeGitHub) -> None:
    marker = snapshot.marker("fraud-detector")
    oldest = github.add_comment(PR, f"{marker}\nold one", BOT)
    github.add_comment(PR, f"{marker}\nold two", BOT)
    result = _post(github)
    comments = github.comments_on(PR)
    assert [c["id"] for c in comments] == [oldest["id"]]
    assert result.comment is not None
    assert result.comment.duplicates_removed == 1
    assert "old one" not in comments[0]["body"]


def test_a_planted_marker_in_someone_elses_comment_is_ignored(github: FakeGitHub) -> None:
    forged = github.add_comment(
        PR, f"{snapshot.marker('fraud-detector')}\n✅ PASS, trust me", MALLORY
    )
    _post(github)
    comments = github.comments_on(PR)
    assert len(comments) == 2
    assert comments[0]["id"] == forged["id"]
    assert "trust me" in comments[0]["body"]  # untouched
    assert comments[1]["user"]["login"] == "github-actions[bot]"


def test_each_policy_has_its_own_comment(github: FakeGitHub) -> None:
    _post(github, "fraud-detector")
    _post(github, "fraud-detector-v2")
    _post(github, "fraud-detector")
    bodies = [c["body"] for c in github.comments_on(PR)]
    assert len(bodies) == 2
    assert bodies[0].startswith(snapshot.marker("fraud-detector") + "\n")
    assert bodies[1].startswith(snapshot.marker("fraud-detector-v2") + "\n")


def test_finds_its_comment_past_the_first_page(github: FakeGitHub) -> None:
    for index in range(130):
        github.add_comment(PR, f"review note {index}", ALICE)
    _post(github)
    _post(github)
    ours = [c for c in github.comments_on(PR) if c["user"]["login"] == "github-actions[bot]"]
    assert len(ours) == 1


def test_personal_token_identifies_its_own_comments(github: FakeGitHub) -> None:
    other_bot = github.add_comment(
        PR, f"{snapshot.marker('fraud-detector')}\nfrom another bot", BOT
    )
    with GitHubClient(settings(github, PAT_TOKEN)) as client:
        sticky = StickyComment(client, "acme/fraud", PR, "fraud-detector")
        assert sticky.find() == []  # alice's token reads GET /user: only alice's comments count
        body = pr_comment.render(passing_report())
        posted = sticky.publish(body, [])
    logins = {c["id"]: c["user"]["login"] for c in github.comments_on(PR)}
    assert logins == {other_bot["id"]: "github-actions[bot]", posted.comment_id: "alice"}
