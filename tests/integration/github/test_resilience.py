"""Retries, rate limits, deadlines and refused tokens, against the real local server."""

from __future__ import annotations

import pytest

from mlops_gate.github.client import GitHubError
from mlops_gate.github.publish import publish
from tests.integration.github.conftest import PR, context, settings
from tests.integration.github.fake_github import FakeGitHub
from tests.report_samples import full_report

pytestmark = pytest.mark.integration
COMMENTS = r"/repos/acme/fraud/issues/7/comments"
SECONDARY = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}


def _statuses(server: FakeGitHub, method: str, path: str) -> list[int]:
    return [status for m, p, status in server.state.requests if m == method and p == path]


def test_secondary_rate_limit_with_retry_after_then_success(github: FakeGitHub) -> None:
    github.fail_next("POST", COMMENTS, 403, headers={"Retry-After": "1"}, body=SECONDARY)
    result = publish(full_report(), context=context(), settings=settings(github), check_run=False)
    assert _statuses(github, "POST", "/repos/acme/fraud/issues/7/comments") == [403, 201]
    assert result.comment is not None
    assert len(github.comments_on(PR)) == 1


def test_rate_limit_without_retry_after_waits_for_the_reset(github: FakeGitHub) -> None:
    # x-ratelimit-reset in the past: the wait is the 1 s margin, then the call goes through.
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"}
    github.fail_next(
        "GET",
        COMMENTS,
        403,
        headers=headers,
        body={"message": "API rate limit exceeded for installation"},
    )
    publish(full_report(), context=context(), settings=settings(github), check_run=False)
    assert _statuses(github, "GET", "/repos/acme/fraud/issues/7/comments")[:2] == [403, 200]


def test_server_error_then_success(github: FakeGitHub) -> None:
    github.fail_next("GET", COMMENTS, 500, body={"message": "Server Error"})
    github.fail_next("POST", COMMENTS, 502, body={"message": "Bad Gateway"})
    publish(full_report(), context=context(), settings=settings(github), check_run=False)
    assert _statuses(github, "GET", "/repos/acme/fraud/issues/7/comments")[:2] == [500, 200]
    assert _statuses(github, "POST", "/repos/acme/fraud/issues/7/comments") == [502, 201]
    assert len(github.comments_on(PR)) == 1


def test_server_errors_that_persist_give_up_after_the_attempts(github: FakeGitHub) -> None:
    github.fail_next("GET", COMMENTS, 503, body={"message": "Service Unavailable"}, times=100)
    with pytest.raises(GitHubError) as caught:
        publish(
            full_report(),
            context=context(),
            settings=settings(github, max_attempts=3),
            check_run=False,
        )
    assert str(caught.value) == (
        "GitHub: could not list the pull request's comments: HTTP 503: Service Unavailable "
        "(after 3 attempts)"
    )
    assert _statuses(github, "GET", "/repos/acme/fraud/issues/7/comments") == [503, 503, 503]


def test_a_wait_past_the_deadline_fails_at_once(github: FakeGitHub) -> None:
    github.fail_next("POST", COMMENTS, 403, headers={"Retry-After": "3600"}, body=SECONDARY)
    with pytest.raises(GitHubError, match=r"next try would be in 3600 s, past the 30 s deadline"):
        publish(full_report(), context=context(), settings=settings(github), check_run=False)
    assert github.comments_on(PR) == []


def test_permanent_401_is_clear_and_never_shows_the_token(
    github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    github.state.echo_token_on_401 = True  # like a proxy that repeats the Authorization header
    wrong = "ghp_" + "Wr0ng" * 8
    with pytest.raises(GitHubError) as caught:
        publish(full_report(), context=context(), settings=settings(github, token=wrong))
    message = str(caught.value)
    assert message.startswith(
        "GitHub: could not read the token's account: HTTP 401: Bad credentials"
    )
    assert "check that GITHUB_TOKEN is set, valid and not expired" in message
    captured = capsys.readouterr()
    for text in (message, repr(caught.value), captured.out, captured.err):
        assert wrong[:12] not in text
    assert [status for _, _, status in github.state.requests] == [401]  # a 401 is not retried


def test_a_create_retried_after_a_lost_answer_still_leaves_one_comment(github: FakeGitHub) -> None:
    # The server stores the comment, then the answer is a 502: the retry creates a second one.
    github.fail_next("POST", COMMENTS, 502, body={"message": "Bad Gateway"}, after_effect=True)
    publish(full_report(), context=context(), settings=settings(github), check_run=False)
    assert _statuses(github, "POST", "/repos/acme/fraud/issues/7/comments") == [502, 201]
    comments = github.comments_on(PR)
    assert [c["id"] for c in comments] == [1001]  # the first, which the retry did not see
    assert _statuses(github, "DELETE", "/repos/acme/fraud/issues/comments/1002") == [204]
