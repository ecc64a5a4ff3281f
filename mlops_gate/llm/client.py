"""One call to an OpenAI-compatible `POST {endpoint}/chat/completions`, retried, within deadlines.

Every attempt runs under `Deadline.run` with a budget of `min(request_timeout_s, time left)`,
so neither a silent server nor one that trickles a byte a second can hold a check past its total
deadline (`timeout_s`); the abandoned attempt ends with its socket timeout. A 429 is retried
after its `Retry-After` (seconds or an HTTP date), a 5xx or a dropped connection after an
exponential backoff with jitter, up to `max_retries` times; any other status, and an answer that
is not the API's JSON, fails at once. The token is sent as a Bearer header and removed from
every message this module makes.
"""

from __future__ import annotations

import http.client
import json
import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from mlops_gate.deadline import Deadline, DeadlineExceeded

MAX_RESPONSE_BYTES = 8 << 20
MAX_BACKOFF_S = 30.0
SNIPPET = 200  # characters of an error body quoted in a message


class CallFailed(Exception):
    """A call that produced no answer; the message is one line without the token."""


@dataclass(frozen=True)
class Connection:
    """Where and how to call: the endpoint's settings with the token read from the environment."""

    endpoint: str
    model: str
    params: dict[str, Any] = field(default_factory=dict)
    token: str | None = field(default=None, repr=False)
    request_timeout_s: float = 60.0
    max_retries: int = 4
    backoff_s: float = 0.5

    def redact(self, text: str) -> str:
        return text.replace(self.token, "***") if self.token else text


@dataclass(frozen=True)
class Completion:
    """A complete answer: its text, why it stopped, its token usage and wall time (None: not
    measured, as in a cache entry written before timings were kept)."""

    text: str
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float | None = None


@dataclass(frozen=True)
class _Response:
    status: int
    retry_after: str | None
    body: bytes


def chat(connection: Connection, messages: list[dict[str, str]], deadline: Deadline) -> Completion:
    """The model's answer to `messages`; `CallFailed` when there is none within the deadline."""
    payload = {**connection.params, "model": connection.model, "messages": messages}
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    problem = "no attempt made"
    for attempt in range(connection.max_retries + 1):
        if deadline.expired():
            break
        started = time.monotonic()
        try:
            response = _attempt(connection, body, deadline)
        except (OSError, http.client.HTTPException) as exc:
            problem = connection.redact(f"connection failed: {type(exc).__name__}: {exc}")
            delay = _backoff(connection.backoff_s, attempt)
        else:
            if response.status == 200:
                return parse_answer(response.body, time.monotonic() - started)
            problem = _status_problem(connection, response)
            if response.status != 429 and response.status < 500:
                raise CallFailed(problem)
            asked = retry_delay(response.retry_after) if response.status == 429 else None
            delay = _backoff(connection.backoff_s, attempt) if asked is None else asked
        if attempt == connection.max_retries:
            raise CallFailed(f"{problem} (after {attempt + 1} attempts)")
        if delay >= deadline.remaining():
            raise CallFailed(f"{problem}; a retry in {delay:.3g} s would pass the deadline")
        time.sleep(delay)
    raise CallFailed(f"the deadline of {deadline.seconds:g} s passed ({problem})")


def _attempt(connection: Connection, body: bytes, deadline: Deadline) -> _Response:
    """One POST, bounded by the request timeout and the total deadline's time left."""
    try:
        budget = Deadline(min(connection.request_timeout_s, deadline.check()))
    except DeadlineExceeded:
        raise TimeoutError("the total deadline passed") from None
    try:
        return budget.run(_post, connection, body, budget.cap(connection.request_timeout_s))
    except DeadlineExceeded:
        raise TimeoutError(f"no answer within {budget.seconds:.3g} s") from None


def _post(connection: Connection, body: bytes, timeout: float) -> _Response:
    url = urlsplit(connection.endpoint)
    kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    conn = kind(url.hostname or "", url.port, timeout=timeout)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if connection.token:
        headers["Authorization"] = f"Bearer {connection.token}"
    try:
        conn.request("POST", f"{url.path}/chat/completions", body=body, headers=headers)
        response = conn.getresponse()
        data = response.read(MAX_RESPONSE_BYTES + 1)
        if len(data) > MAX_RESPONSE_BYTES:
            raise CallFailed(f"the answer is over {MAX_RESPONSE_BYTES >> 20} MiB")
        return _Response(response.status, response.getheader("Retry-After"), data)
    finally:
        conn.close()


def _status_problem(connection: Connection, response: _Response) -> str:
    text = response.body[:SNIPPET].decode("utf-8", "replace").replace("\n", " ").strip()
    hint = " (check the token in api_key_env)" if response.status in (401, 403) else ""
    return connection.redact(
        f"HTTP {response.status}{hint}: {text}" if text else f"HTTP {response.status}{hint}"
    )


def retry_delay(value: str | None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date); None if absent
    or unreadable."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _backoff(base: float, attempt: int) -> float:
    """Exponential backoff with jitter (so that many clients do not retry in step)."""
    return float(min(MAX_BACKOFF_S, base * 2**attempt) * random.uniform(0.5, 1.0))


def parse_answer(body: bytes, latency_s: float) -> Completion:
    """The text, finish reason and usage of a chat-completions answer; `CallFailed` if malformed."""
    try:
        document = json.loads(body.decode("utf-8"))
        choice = document["choices"][0]
        text = choice["message"]["content"]
    except (UnicodeDecodeError, ValueError, KeyError, IndexError, TypeError):
        raise CallFailed(f"malformed answer (not chat-completions JSON): {body[:80]!r}") from None
    if not isinstance(text, str):
        raise CallFailed("the answer holds no text (message.content is not a string)")
    usage = document.get("usage") if isinstance(document, dict) else None
    usage = usage if isinstance(usage, dict) else {}
    reason = choice.get("finish_reason") if isinstance(choice, dict) else None
    return Completion(
        text=text,
        finish_reason=reason if isinstance(reason, str) else None,
        prompt_tokens=_count(usage.get("prompt_tokens")),
        completion_tokens=_count(usage.get("completion_tokens")),
        latency_s=latency_s,
    )


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
