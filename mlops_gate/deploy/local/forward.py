"""One backend call of the router, and whether two answers agree.

Each handler thread keeps its own keep-alive connection per backend (`http.client` connections are
not thread-safe). A connection the server closed while idle fails on reuse; that is retried once
on a fresh connection and is not the model's fault, so it is not counted as a canary error.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from mlops_gate.deadline import Deadline, DeadlineHTTPConnection

OUTPUT_KINDS: tuple[Literal["labels", "predictions"], ...] = ("labels", "predictions")
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


@dataclass(frozen=True)
class Reply:
    """A backend's answer; `status` 502 with `error` set when there was no answer at all."""

    backend: str
    status: int
    body: bytes
    content_type: str
    latency_ms: float
    error: str | None = None

    @property
    def failed(self) -> bool:
        """5xx, connection error or timeout: the server failed, not the client's request."""
        return self.error is not None or self.status >= 500

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300


class Backend:
    def __init__(self, name: str, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.name, self.host, self.port = name, parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self._local = threading.local()

    def send(self, method: str, path: str, body: bytes) -> Reply:
        started = time.perf_counter()
        fresh = getattr(self._local, "conn", None) is None
        try:
            try:
                status, data, kind = self._exchange(method, path, body)
            except _STALE:
                if fresh:
                    raise
                status, data, kind = self._exchange(method, path, body)
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            elapsed = (time.perf_counter() - started) * 1000
            message = f"{type(exc).__name__}: {exc}"
            return Reply(self.name, 502, message.encode(), "text/plain", elapsed, message)
        return Reply(self.name, status, data, kind, (time.perf_counter() - started) * 1000)

    def _exchange(self, method: str, path: str, body: bytes) -> tuple[int, bytes, str]:
        conn = getattr(self._local, "conn", None)
        deadline = Deadline(self.timeout)  # for the whole exchange: a trickle cannot stretch it
        if conn is None:
            conn = DeadlineHTTPConnection(self.host, self.port, deadline)
            self._local.conn = conn
        conn.bound(deadline)
        try:
            headers = {"Content-Type": "application/json"} if body else {}
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except BaseException:
            self._drop()
            raise
        return response.status, data, response.getheader("Content-Type") or "application/json"

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local.conn = None


def answer_texts(canary: bytes, stable: bytes) -> tuple[str, str] | None:
    """The two generated answers (`{"output": text}`, the LLM app's `/generate`), or None when
    the answers are not generated text (a model server's labels or predictions)."""
    texts = []
    for body in (canary, stable):
        try:
            document = json.loads(body)
        except ValueError:
            return None
        text = document.get("output") if isinstance(document, dict) else None
        if not isinstance(text, str):
            return None
        texts.append(text)
    return texts[0], texts[1]


def agreement(
    canary: bytes, stable: bytes, rel_tol: float = 1e-3, abs_tol: float = 1e-6
) -> tuple[int, int]:
    """(rows compared, rows that agree) between the canary's and stable's `/predict` answers,
    as `analysis.agreeing` defines it (predictions: within the policy's agreement_tolerance)."""
    from mlops_gate.deploy.local.analysis import agreeing

    try:
        a, b = json.loads(canary), json.loads(stable)
    except ValueError:
        return 0, 0
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return 0, 0
    for key in OUTPUT_KINDS:
        left, right = a.get(key), b.get(key)
        if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
            try:
                return len(left), agreeing(key, left, right, rel_tol=rel_tol, abs_tol=abs_tol)
            except (TypeError, ValueError):
                return len(left), 0
    return 0, 0
