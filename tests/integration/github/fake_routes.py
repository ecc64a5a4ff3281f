"""The REST endpoints of the fake GitHub: users, issue comments, check runs (GitHub's shapes).

Deployments are in `fake_deployments`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tests.integration.github.fake_github import COMMENT_LIMIT, REPO, Account, _public, _user

if TYPE_CHECKING:
    from tests.integration.github.fake_github import FakeGitHub

Reply = tuple[int, Any, dict[str, str]]
Handler = Callable[["Call"], Reply]


@dataclass(frozen=True)
class Call:
    """One request, as a handler sees it."""

    server: FakeGitHub
    account: Account
    match: re.Match[str]
    query: dict[str, str]
    body: dict[str, Any]

    @property
    def repo_url(self) -> str:
        return f"{self.server.base_url}/repos/{self.match['owner']}/{self.match['repo']}"


FORBIDDEN: Reply = (403, {"message": "Resource not accessible by integration"}, {})
NOT_FOUND: Reply = (404, {"message": "Not Found"}, {})
CONCLUSIONS = {
    "success",
    "failure",
    "neutral",
    "cancelled",
    "skipped",
    "timed_out",
    "action_required",
}


def route(
    server: FakeGitHub,
    account: Account,
    method: str,
    path: str,
    query: dict[str, str],
    body: dict[str, Any],
) -> Reply:
    # Imported here: fake_deployments builds on this module's Call and replies.
    from tests.integration.github.fake_deployments import DEPLOYMENT_ROUTES

    for verb, pattern, handler in ROUTES + DEPLOYMENT_ROUTES:
        match = pattern.fullmatch(path)
        if verb == method and match:
            with server.state.lock:
                return handler(Call(server, account, match, query, body))
    return NOT_FOUND


def get_user(call: Call) -> Reply:
    if not call.account.can_read_user:
        return FORBIDDEN
    return 200, _user(call.server.base_url, call.account), {}


def get_repo(call: Call) -> Reply:
    owner, repo = call.match["owner"], call.match["repo"]
    return (
        200,
        {
            "id": 1,
            "name": repo,
            "full_name": f"{owner}/{repo}",
            "url": f"{call.server.base_url}/repos/{owner}/{repo}",
        },
        {},
    )


def list_comments(call: Call) -> Reply:
    number = int(call.match["number"])
    comments = call.server.comments_on(number)
    return paginate(call, comments, f"{call.repo_url}/issues/{number}/comments")


def paginate(call: Call, items: list[dict[str, Any]], url: str) -> Reply:
    """One page of `items` (`per_page`, `page`), with a `Link: rel="next"` that keeps the filters."""
    per_page, page = int(call.query.get("per_page", "30")), int(call.query.get("page", "1"))
    chunk = items[(page - 1) * per_page : page * per_page]
    headers = {}
    if page * per_page < len(items):
        query = urlencode({**call.query, "per_page": per_page, "page": page + 1})
        headers["Link"] = f'<{url}?{query}>; rel="next"'
    return 200, [_public(item) for item in chunk], headers


def create_comment(call: Call) -> Reply:
    if "issues" not in call.account.scopes:
        return FORBIDDEN
    problem = _body_problem(call.body.get("body"))
    if problem:
        return problem
    comment = call.server._store_comment(
        call.match["owner"],
        call.match["repo"],
        int(call.match["number"]),
        call.body["body"],
        call.account,
    )
    return 201, _public(comment), {}


def get_comment(call: Call) -> Reply:
    comment = call.server.state.comments.get(int(call.match["id"]))
    return (200, _public(comment), {}) if comment else NOT_FOUND


def edit_comment(call: Call) -> Reply:
    comment = call.server.state.comments.get(int(call.match["id"]))
    if comment is None:
        return NOT_FOUND
    if "issues" not in call.account.scopes:
        return FORBIDDEN
    problem = _body_problem(call.body.get("body"))
    if problem:
        return problem
    comment["body"] = call.body["body"]
    comment["updated_at"] = _now()
    return 200, _public(comment), {}


def delete_comment(call: Call) -> Reply:
    if "issues" not in call.account.scopes:
        return FORBIDDEN
    if call.server.state.comments.pop(int(call.match["id"]), None) is None:
        return NOT_FOUND
    return 204, None, {}


def create_check_run(call: Call) -> Reply:
    if "checks" not in call.account.scopes:
        return FORBIDDEN
    if not call.body.get("name") or not re.fullmatch(
        r"[0-9a-f]{40}", str(call.body.get("head_sha", ""))
    ):
        return _invalid("name and a 40-hex head_sha are required")
    if call.body.get("status") == "completed" and call.body.get("conclusion") not in CONCLUSIONS:
        return _invalid("a completed check run needs a conclusion")
    run_id = next(call.server.state.ids)
    run = {
        "id": run_id,
        "name": call.body["name"],
        "head_sha": call.body["head_sha"],
        "status": call.body.get("status", "queued"),
        "conclusion": call.body.get("conclusion"),
        "url": f"{call.repo_url}/check-runs/{run_id}",
        "html_url": f"https://github.example/{call.match['owner']}/{call.match['repo']}/runs/{run_id}",
        "started_at": _now(),
        "completed_at": call.body.get("completed_at"),
        "output": {"title": None, "summary": None, "annotations_count": 0},
        "_annotations": [],
    }
    problem = _apply_output(run, call.body.get("output"))
    if problem:
        return problem
    call.server.state.check_runs[run_id] = run
    return 201, _public(run), {}


def edit_check_run(call: Call) -> Reply:
    run = call.server.state.check_runs.get(int(call.match["id"]))
    if run is None:
        return NOT_FOUND
    if "checks" not in call.account.scopes:
        return FORBIDDEN
    for key in ("status", "conclusion", "name"):
        if key in call.body:
            run[key] = call.body[key]
    problem = _apply_output(run, call.body.get("output"))
    return problem or (200, _public(run), {})


def _apply_output(run: dict[str, Any], output: Any) -> Reply | None:
    """As GitHub: title and summary required, at most 50 annotations per request, appended."""
    if output is None:
        return None
    if not output.get("title") or not output.get("summary"):
        return _invalid("output needs a title and a summary")
    if len(output["summary"]) > 65_535:
        return _invalid("output.summary is too long (maximum is 65535 characters)")
    annotations = output.get("annotations") or []
    if len(annotations) > 50:
        return _invalid("at most 50 annotations per request")
    for note in annotations:
        required = {"path", "start_line", "end_line", "annotation_level", "message"}
        if not required <= set(note) or note["annotation_level"] not in {
            "notice",
            "warning",
            "failure",
        }:
            return _invalid(f"invalid annotation {note}")
    run["_annotations"].extend(annotations)
    run["output"] = {
        "title": output["title"],
        "summary": output["summary"],
        "annotations_count": len(run["_annotations"]),
    }
    return None


def _body_problem(text: Any) -> Reply | None:
    if not isinstance(text, str) or not text:
        return _invalid("body is required")
    if len(text) > COMMENT_LIMIT:
        return _invalid(f"body is too long (maximum is {COMMENT_LIMIT} characters)")
    return None


def _invalid(message: str) -> Reply:
    return (
        422,
        {"message": "Validation Failed", "errors": [{"code": "custom", "message": message}]},
        {},
    )


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    ("GET", re.compile(r"/user"), get_user),
    ("GET", re.compile(REPO), get_repo),
    ("GET", re.compile(REPO + r"/issues/(?P<number>\d+)/comments"), list_comments),
    ("POST", re.compile(REPO + r"/issues/(?P<number>\d+)/comments"), create_comment),
    ("GET", re.compile(REPO + r"/issues/comments/(?P<id>\d+)"), get_comment),
    ("PATCH", re.compile(REPO + r"/issues/comments/(?P<id>\d+)"), edit_comment),
    ("DELETE", re.compile(REPO + r"/issues/comments/(?P<id>\d+)"), delete_comment),
    ("POST", re.compile(REPO + r"/check-runs"), create_check_run),
    ("PATCH", re.compile(REPO + r"/check-runs/(?P<id>\d+)"), edit_check_run),
]
