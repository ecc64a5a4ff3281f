"""PyGithub with the network discipline a CI gate needs.

Every call goes through `GitHubClient.call`, which retries 5xx answers, dropped connections and
rate limits (honouring `retry-after`, then `x-ratelimit-reset`, as GitHub's REST guide asks),
stops at one global deadline, and turns whatever is left into a `GitHubError` whose text never
holds the token. Each attempt runs through `Deadline.run`: PyGithub's timeout bounds each socket
read, not a request, so a server trickling its answer would otherwise hold the command for as long
as it likes (issue 13, item 4).
PyGithub's own urllib3 retry is switched off so that there is exactly one retry policy, and one
deadline, to reason about.
"""

from __future__ import annotations

import email.utils
import itertools
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from mlops_gate import __version__
from mlops_gate.deadline import DEFAULT_TIMEOUT_S, Deadline, DeadlineExceeded
from mlops_gate.errors import DependencyError, MlopsGateError

if TYPE_CHECKING:
    from github import Github
    from github.Repository import Repository

T = TypeVar("T")
DEFAULT_API_URL = "https://api.github.com"
# GitHub: with a secondary rate limit and neither header, "wait for at least one minute".
SECONDARY_RATE_WAIT_S = 60.0
# Token shapes GitHub issues: classic, OAuth, user/server-to-server, refresh, fine-grained.
_TOKEN_SHAPES = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})")
_HINTS = {
    401: "the token was refused: check that GITHUB_TOKEN is set, valid and not expired",
    403: "the token lacks a permission: the workflow needs "
    "`permissions: {pull-requests: write, checks: write}` "
    "(a pull request from a fork gets a read-only token)",
    404: "not found: check GITHUB_REPOSITORY and the pull request number, "
    "and that the token can see the repository",
}


class GitHubError(MlopsGateError):
    """A GitHub call that failed for good. Its text is scrubbed of the token; exit code 2."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class GitHubPermissionError(GitHubError):
    """A 403 that is not a rate limit: the token lacks a permission (e.g. `checks: write`)."""


@dataclass(frozen=True)
class ClientSettings:
    """How to reach GitHub. `repr` leaves the token out so a debug print cannot leak it."""

    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    timeout_s: int = 15
    deadline_s: float = DEFAULT_TIMEOUT_S
    max_attempts: int = 6
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    # GitHub asks integrations to space content-creating requests about a second apart.
    write_interval_s: float = 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ClientSettings:
        """`GITHUB_TOKEN` (or `GH_TOKEN`) and `GITHUB_API_URL` (GitHub Enterprise: `https://HOST/api/v3`)."""
        token = (env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or "").strip()
        if not token:
            raise GitHubError(
                "GITHUB_TOKEN is not set: export it, or pass `github-token` to the action"
            )
        api_url = (env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        return cls(token=token, api_url=api_url)


@dataclass(frozen=True)
class Failure:
    """One failed attempt, reduced to what the retry decision needs. Status 0: no HTTP answer."""

    status: int
    message: str
    headers: Mapping[str, str]


def scrub(text: str, *secrets: str) -> str:
    """`text` with each secret, and anything shaped like a GitHub token, replaced by `***`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _TOKEN_SHAPES.sub("***", text)


def is_rate_limited(failure: Failure) -> bool:
    """A 429, or a 403 that GitHub marks as a (primary or secondary) rate limit."""
    if failure.status == 429:
        return True
    if failure.status != 403:
        return False
    headers = _lower(failure.headers)
    return (
        "retry-after" in headers
        or headers.get("x-ratelimit-remaining") == "0"
        or "rate limit" in failure.message.lower()
    )


def retry_wait(
    failure: Failure, attempt: int, now: float, settings: ClientSettings
) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None when retrying cannot help."""
    if is_rate_limited(failure):
        return rate_limit_wait(_lower(failure.headers), now)
    if failure.status == 0 or failure.status >= 500:
        return float(min(settings.backoff_max_s, settings.backoff_base_s * 2**attempt))
    return None


def rate_limit_wait(headers: Mapping[str, str], now: float) -> float:
    """GitHub's order: `retry-after`; else `x-ratelimit-reset` once none remain; else one minute."""
    retry_after = headers.get("retry-after", "").strip()
    if retry_after.isdigit():
        return float(retry_after)
    if retry_after:
        try:  # the other form GitHub may send: an HTTP date
            return max(0.0, email.utils.parsedate_to_datetime(retry_after).timestamp() - now)
        except (TypeError, ValueError):
            pass
    reset = headers.get("x-ratelimit-reset", "").strip()
    if reset.isdigit() and headers.get("x-ratelimit-remaining", "0") == "0":
        # +1: GitHub does not say where in that second the window resets.
        return max(0.0, int(reset) - now) + 1.0
    return SECONDARY_RATE_WAIT_S


class GitHubClient:
    """One PyGithub connection with retries and a deadline shared by every call made through it."""

    def __init__(self, settings: ClientSettings) -> None:
        try:
            from github import Auth, Github
        except ImportError:
            raise DependencyError(
                "posting to GitHub needs PyGithub: pip install 'mlops-gate[github]'"
            ) from None
        self.settings = settings
        self._github: Github = Github(
            base_url=settings.api_url,
            auth=Auth.Token(settings.token),
            timeout=settings.timeout_s,
            retry=None,
            per_page=100,
            seconds_between_requests=None,
            seconds_between_writes=settings.write_interval_s or None,
            user_agent=f"mlops-gate/{__version__}",
            lazy=True,
        )
        self._deadline = Deadline(settings.deadline_s)

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._github.close()

    @property
    def github(self) -> Github:
        return self._github

    def repository(self, full_name: str) -> Repository:
        """The repository, lazily: no request is made until something is read from it."""
        return self._github.get_repo(full_name)

    def call(self, what: str, action: Callable[[], T]) -> T:
        """Run `action` (one or a few PyGithub requests), retrying what GitHub says may be retried.

        `what` completes "could not ..." in the error. Raises `GitHubError` (or
        `GitHubPermissionError` for a 403 that is not a rate limit) once retrying cannot help, the
        attempts are spent, or the next wait would pass the deadline.
        """
        for attempt in itertools.count():
            try:
                return self._deadline.run(action)
            except DeadlineExceeded:
                raise GitHubError(
                    f"GitHub: could not {what}: the {self.settings.deadline_s:g} s deadline passed"
                ) from None
            except Exception as exc:
                failure = failure_of(exc)
                if failure is None:
                    raise
                # raised `from None`: PyGithub's exception holds headers; only scrubbed text leaves.
                self._wait_or_raise(what, failure, attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_or_raise(self, what: str, failure: Failure, attempt: int) -> None:
        wait = retry_wait(failure, attempt, time.time(), self.settings)
        if wait is None or attempt + 1 >= self.settings.max_attempts:
            raise self._error(what, failure, attempt + 1) from None
        if wait > self._deadline.remaining():
            deadline = self.settings.deadline_s
            note = f"; the next try would be in {wait:.0f} s, past the {deadline:g} s deadline"
            raise self._error(what, failure, attempt + 1, note) from None
        time.sleep(wait)

    def _error(self, what: str, failure: Failure, attempts: int, note: str = "") -> GitHubError:
        status = f"HTTP {failure.status}" if failure.status else "no response"
        text = f"GitHub: could not {what}: {status}: {failure.message[:300]}"
        if attempts > 1 or note:
            text += f" (after {attempts} attempt{'s' if attempts > 1 else ''}{note})"
        permission = failure.status == 403 and not is_rate_limited(failure)
        if failure.status in _HINTS and (failure.status != 403 or permission):
            text += f" ({_HINTS[failure.status]})"
        kind = GitHubPermissionError if permission else GitHubError
        return kind(scrub(text, self.settings.token), failure.status or None)


def failure_of(exc: Exception) -> Failure | None:
    """Status, message and headers of a PyGithub or requests error; None for anything else."""
    import requests
    from github import GithubException

    if isinstance(exc, GithubException):
        data = exc.data
        message = exc.message or (
            data.get("message") if isinstance(data, dict) else str(data or "")
        )
        return Failure(exc.status, str(message or ""), dict(exc.headers or {}))
    if isinstance(exc, requests.Timeout):
        return Failure(0, "the request timed out", {})
    if isinstance(exc, requests.ConnectionError):
        return Failure(0, "the connection failed", {})
    return None


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {key.lower(): str(value) for key, value in headers.items()}
