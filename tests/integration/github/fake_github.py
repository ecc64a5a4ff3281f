"""A real HTTP server speaking the part of GitHub's REST API that mlops-gate uses, in memory:
issue comments, check runs and deployments (with their statuses).

Served under `/api/v3`, as GitHub Enterprise is, so base-URL handling is exercised too. It checks
what GitHub checks (token, permissions, the 65,536-character comment limit, 50 annotations per
request), paginates with `Link` headers, and can be told to fail the next matching requests or to
hold them until several have arrived (to force the race of two jobs posting at once).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PREFIX = "/api/v3"
COMMENT_LIMIT = 65_536
REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


@dataclass(frozen=True)
class Account:
    login: str
    type: str = "User"
    can_read_user: bool = True  # the Actions GITHUB_TOKEN may not call GET /user
    scopes: frozenset[str] = frozenset({"issues", "checks"})


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    times: int
    after_effect: bool = False  # do the work, then answer with the failure (a lost response)


@dataclass
class Rendezvous:
    method: str
    path: re.Pattern[str]
    barrier: threading.Barrier
    left: int


@dataclass
class State:
    accounts: dict[str, Account] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    deployments: dict[int, dict[str, Any]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # branch or tag -> commit sha
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    rendezvous: list[Rendezvous] = field(default_factory=list)
    echo_token_on_401: bool = False
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    lock: threading.RLock = field(default_factory=threading.RLock)


class FakeGitHub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = State()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{PREFIX}"

    def add_token(self, token: str, account: Account) -> None:
        self.state.accounts[token] = account

    def fail_next(
        self,
        method: str,
        path: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        times: int = 1,
        after_effect: bool = False,
    ) -> None:
        """Answer the next `times` requests matching `method` and the `path` regex with `status`.

        `after_effect`: carry the request out first, as when GitHub did the work but the answer
        was lost on the way back.
        """
        fault = Fault(
            method, re.compile(path), status, headers or {}, body or {}, times, after_effect
        )
        self.state.faults.append(fault)

    def add_ref(self, ref: str, sha: str) -> None:
        """A branch or tag that deployments may name instead of a commit sha."""
        with self.state.lock:
            self.state.refs[ref] = sha

    def hold(self, method: str, path: str, parties: int, timeout: float = 20.0) -> None:
        """Hold the first `parties` matching requests until all have arrived, then answer them."""
        barrier = threading.Barrier(parties, timeout=timeout)
        self.state.rendezvous.append(Rendezvous(method, re.compile(path), barrier, parties))

    def add_comment(
        self, number: int, body: str, account: Account, repository: str = "acme/fraud"
    ) -> dict[str, Any]:
        """A comment written directly into the state (someone else's, or an old one of ours)."""
        owner, repo = repository.split("/")
        with self.state.lock:
            return self._store_comment(owner, repo, number, body, account)

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        with self.state.lock:
            found = [c for c in self.state.comments.values() if c["_issue"] == number]
        return sorted(found, key=lambda c: c["id"])

    def _store_comment(
        self, owner: str, repo: str, number: int, body: str, account: Account
    ) -> dict[str, Any]:
        comment_id = next(self.state.ids)
        url = f"{self.base_url}/repos/{owner}/{repo}/issues/comments/{comment_id}"
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        comment = {
            "id": comment_id,
            "node_id": f"IC_{comment_id}",
            "url": url,
            "html_url": f"https://github.example/{owner}/{repo}/pull/{number}#issuecomment-{comment_id}",
            "issue_url": f"{self.base_url}/repos/{owner}/{repo}/issues/{number}",
            "body": body,
            "user": _user(self.base_url, account),
            "created_at": now,
            "updated_at": now,
            "_issue": number,
        }
        self.state.comments[comment_id] = comment
        return comment


def _user(base_url: str, account: Account) -> dict[str, Any]:
    return {
        "login": account.login,
        "id": abs(hash(account.login)) % 10**8,
        "type": account.type,
        "url": f"{base_url}/users/{account.login}",
    }


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if not key.startswith("_")}


class _Handler(BaseHTTPRequestHandler):
    server: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows what fails
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        from tests.integration.github.fake_routes import route

        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = parts.path[len(PREFIX) :] if parts.path.startswith(PREFIX) else parts.path
        self._wait_at_rendezvous(method, path)
        account = self._account()
        fault = self._take_fault(method, path) if account is not None else None
        headers: dict[str, str] = {}
        if account is None:
            status, payload, headers = 401, {"message": self._bad_credentials()}, {}
        else:
            if fault is None or fault.after_effect:
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                body = json.loads(raw) if raw else {}
                status, payload, headers = route(self.server, account, method, path, query, body)
            if fault is not None:
                status, payload, headers = (
                    fault.status,
                    fault.body or {"message": "x"},
                    fault.headers,
                )
        with self.server.state.lock:
            self.server.state.requests.append((method, path, status))
        self._send(status, payload, headers)

    def _account(self) -> Account | None:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        return self.server.state.accounts.get(token.strip())

    def _bad_credentials(self) -> str:
        if (
            self.server.state.echo_token_on_401
        ):  # a misbehaving proxy: the token must still not leak
            return f"Bad credentials ({self.headers.get('Authorization', '')})"
        return "Bad credentials"

    def _wait_at_rendezvous(self, method: str, path: str) -> None:
        with self.server.state.lock:
            match = next(
                (
                    r
                    for r in self.server.state.rendezvous
                    if r.left > 0 and r.method == method and r.path.fullmatch(path)
                ),
                None,
            )
            if match is not None:
                match.left -= 1
        if match is not None:
            match.barrier.wait()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.server.state.lock:
            for fault in self.server.state.faults:
                if fault.times > 0 and fault.method == method and fault.path.fullmatch(path):
                    fault.times -= 1
                    return fault
        return None

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
