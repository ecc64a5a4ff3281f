"""Deployments and deployment statuses in the fake GitHub, in GitHub's REST shapes.

https://docs.github.com/rest/deployments/deployments and .../deployments/statuses. Writing needs
the `deployments` permission (403 without, as for a GITHUB_TOKEN whose `permissions:` lack
`deployments: write`); reading needs none, as comments here. Every ref is up to date with the
default branch, so `auto_merge` never merges. Lists are newest first, as GitHub answers.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.integration.github.fake_github import REPO, _public, _user
from tests.integration.github.fake_routes import (
    FORBIDDEN,
    NOT_FOUND,
    Call,
    Handler,
    Reply,
    _invalid,
    _now,
    paginate,
)

STATES = {"error", "failure", "inactive", "in_progress", "queued", "pending", "success"}
DESCRIPTION_LIMIT = 140
SHA = re.compile(r"[0-9a-f]{40}")
DEPLOYMENT = REPO + r"/deployments/(?P<id>\d+)"


def create_deployment(call: Call) -> Reply:
    if "deployments" not in call.account.scopes:
        return FORBIDDEN
    ref = call.body.get("ref")
    if not isinstance(ref, str) or not ref:
        return _invalid("ref is required")
    sha = ref if SHA.fullmatch(ref) else call.server.state.refs.get(ref)
    if sha is None:
        return 422, {"message": f"No ref found for: {ref}"}, {}
    payload = _payload(call.body.get("payload", {}))
    if payload is None:
        return _invalid("payload must be a JSON object")
    blocked = _failed_contexts(call, sha, call.body.get("required_contexts"))
    if blocked:
        return _conflict(ref, blocked)
    deployment = _new_deployment(call, ref, sha, payload)
    call.server.state.deployments[deployment["id"]] = deployment
    return 201, _public(deployment), {}


def _payload(value: Any) -> dict[str, Any] | None:
    """An object, or a string holding one (GitHub accepts both and answers with the object)."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value else {}
        except json.JSONDecodeError:
            return None
    return value if isinstance(value, dict) else None


def _failed_contexts(call: Call, sha: str, required: Any) -> list[dict[str, str]]:
    """The commit's contexts (here: its check runs), when a required one is not `success`.

    Omitted `required_contexts` means every context the commit has; `[]` means none.
    """
    contexts = [
        {"context": run["name"], "state": _context_state(run)}
        for run in call.server.state.check_runs.values()
        if run["head_sha"] == sha
    ]
    names = {c["context"] for c in contexts} if required is None else set(required)
    passed = {c["context"] for c in contexts if c["state"] == "success"}
    return contexts if names - passed else []


def _context_state(run: dict[str, Any]) -> str:
    if run["status"] != "completed":
        return "pending"
    return "success" if run["conclusion"] == "success" else "failure"


def _conflict(ref: str, contexts: list[dict[str, str]]) -> Reply:
    error = {
        "contexts": contexts,
        "resource": "Deployment",
        "field": "required_contexts",
        "code": "invalid",
    }
    return (
        409,
        {"message": f"Conflict: Commit status checks failed for {ref}.", "errors": [error]},
        {},
    )


def _new_deployment(call: Call, ref: str, sha: str, payload: dict[str, Any]) -> dict[str, Any]:
    deployment_id = next(call.server.state.ids)
    environment = str(call.body.get("environment", "production"))
    url = f"{call.repo_url}/deployments/{deployment_id}"
    now = _now()
    return {
        "url": url,
        "id": deployment_id,
        "node_id": f"DE_{deployment_id}",
        "sha": sha,
        "ref": ref,
        "task": call.body.get("task", "deploy"),
        "payload": payload,
        "original_environment": environment,
        "environment": environment,
        "description": call.body.get("description", ""),
        "creator": _user(call.server.base_url, call.account),
        "created_at": now,
        "updated_at": now,
        "statuses_url": f"{url}/statuses",
        "repository_url": call.repo_url,
        "transient_environment": bool(call.body.get("transient_environment", False)),
        "production_environment": bool(
            call.body.get("production_environment", environment == "production")
        ),
        "_repo": _repo(call),
        "_statuses": [],
    }


def list_deployments(call: Call) -> Reply:
    filters = {
        key: call.query[key] for key in ("sha", "ref", "task", "environment") if key in call.query
    }
    found = [
        d
        for d in call.server.state.deployments.values()
        if d["_repo"] == _repo(call) and all(d[key] == value for key, value in filters.items())
    ]
    found.sort(key=lambda d: d["id"], reverse=True)
    return paginate(call, found, f"{call.repo_url}/deployments")


def get_deployment(call: Call) -> Reply:
    deployment = _deployment(call)
    return (200, _public(deployment), {}) if deployment else NOT_FOUND


def create_status(call: Call) -> Reply:
    deployment = _deployment(call)
    if deployment is None:
        return NOT_FOUND
    if "deployments" not in call.account.scopes:
        return FORBIDDEN
    problem = _status_problem(call.body)
    if problem:
        return problem
    if "environment" in call.body:  # a status may move its deployment to another environment
        deployment["environment"] = call.body["environment"]
    status = _add_status(call, deployment, call.body)
    if status["state"] == "success" and call.body.get("auto_inactive", True):
        _deactivate_older(call, deployment)
    return 201, _public(status), {}


def _status_problem(body: dict[str, Any]) -> Reply | None:
    if body.get("state") not in STATES:
        return _invalid(f"state must be one of {', '.join(sorted(STATES))}")
    if len(str(body.get("description", ""))) > DESCRIPTION_LIMIT:
        return _invalid(f"description is too long (maximum is {DESCRIPTION_LIMIT} characters)")
    return None


def _add_status(call: Call, deployment: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    status_id = next(call.server.state.ids)
    log_url = body.get("log_url") or body.get("target_url", "")  # log_url sets target_url too
    now = _now()
    status = {
        "url": f"{deployment['url']}/statuses/{status_id}",
        "id": status_id,
        "node_id": f"DES_{status_id}",
        "state": body["state"],
        "creator": _user(call.server.base_url, call.account),
        "description": body.get("description", ""),
        "environment": deployment["environment"],
        "target_url": log_url,
        "created_at": now,
        "updated_at": now,
        "deployment_url": deployment["url"],
        "repository_url": deployment["repository_url"],
        "environment_url": body.get("environment_url", ""),
        "log_url": log_url,
    }
    deployment["_statuses"].append(status)
    deployment["updated_at"] = now
    return status


def _deactivate_older(call: Call, current: dict[str, Any]) -> None:
    """`auto_inactive`: older successful deployments to the same environment become inactive,
    unless transient or production (GitHub's rule).
    """
    for older in list(call.server.state.deployments.values()):
        if (
            older["id"] < current["id"]
            and older["_repo"] == current["_repo"]
            and older["environment"] == current["environment"]
            and not older["transient_environment"]
            and not older["production_environment"]
            and older["_statuses"]
            and older["_statuses"][-1]["state"] == "success"
        ):
            _add_status(call, older, {"state": "inactive"})


def list_statuses(call: Call) -> Reply:
    deployment = _deployment(call)
    if deployment is None:
        return NOT_FOUND
    newest_first = list(reversed(deployment["_statuses"]))
    return paginate(call, newest_first, deployment["statuses_url"])


def get_status(call: Call) -> Reply:
    deployment = _deployment(call)
    statuses = deployment["_statuses"] if deployment else []
    found = next((s for s in statuses if s["id"] == int(call.match["status_id"])), None)
    return (200, _public(found), {}) if found else NOT_FOUND


def _deployment(call: Call) -> dict[str, Any] | None:
    deployment = call.server.state.deployments.get(int(call.match["id"]))
    return deployment if deployment and deployment["_repo"] == _repo(call) else None


def _repo(call: Call) -> str:
    return f"{call.match['owner']}/{call.match['repo']}"


DEPLOYMENT_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    ("POST", re.compile(REPO + r"/deployments"), create_deployment),
    ("GET", re.compile(REPO + r"/deployments"), list_deployments),
    ("GET", re.compile(DEPLOYMENT), get_deployment),
    ("POST", re.compile(DEPLOYMENT + r"/statuses"), create_status),
    ("GET", re.compile(DEPLOYMENT + r"/statuses"), list_statuses),
    ("GET", re.compile(DEPLOYMENT + r"/statuses/(?P<status_id>\d+)"), get_status),
]
