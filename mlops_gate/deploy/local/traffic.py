"""Replay request bodies through the router as traffic, counting every answer on the client side.

The client's own counts are the ground truth for "no request lost": `sent` is every request
written, `answered` every one that got a non-5xx HTTP answer, `failed` the rest (5xx, connection
refused or reset, timeout). The bodies are replayed in a loop for as long as the canary runs, by a
few threads each with one keep-alive connection.
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mlops_gate.deadline import Deadline, DeadlineHTTPConnection
from mlops_gate.deploy.local.errors import DeployError
from mlops_gate.errors import MlopsGateError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class RequestCounts:
    sent: int = 0
    answered: int = 0
    failed: int = 0

    @property
    def lost(self) -> int:
        """Requests that got no answer from a healthy server (5xx or no answer at all)."""
        return self.sent - self.answered

    def to_dict(self) -> dict[str, int]:
        return {**asdict(self), "lost": self.lost}


def requests_from_frame(frame: pd.DataFrame, features: Sequence[str]) -> list[dict[str, Any]]:
    """One `/predict` body per row of `frame` (numpy scalars as plain JSON numbers)."""
    records = frame[list(features)].to_dict("records")
    return [{"rows": [{str(k): _plain(v) for k, v in row.items()}]} for row in records]


def read_request_file(path: Path) -> list[dict[str, Any]]:
    """A JSON-lines file: each line a `/predict` body (`{"rows": [...]}`) or one row object.

    Read as every file a pull request can change is (`loaders.text_files`: a regular file, a
    size limit, one line per problem)."""
    from mlops_gate.loaders.text_files import read_jsonl

    try:
        items = read_jsonl(path, "request file")
    except MlopsGateError as exc:
        raise DeployError(str(exc)) from None
    bodies = [item if isinstance(item.get("rows"), list) else {"rows": [item]} for item in items]
    if not bodies:
        raise DeployError(f"{path}: the request file holds no requests")
    return bodies


class TrafficReplayer:
    """Background threads posting `bodies` to `url` + `path` until `stop()`."""

    def __init__(
        self,
        url: str,
        bodies: Iterable[Mapping[str, Any]],
        *,
        threads: int = 4,
        max_rps: float | None = None,
        timeout: float = 30.0,
        path: str = "/predict",
    ) -> None:
        parts = urlsplit(url)
        self._path = path
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._bodies = [json.dumps(b).encode() for b in bodies]
        if not self._bodies:
            raise DeployError("no requests to replay")
        self._next = itertools.cycle(range(len(self._bodies)))
        self._interval = threads / max_rps if max_rps else 0.0
        self._timeout = timeout
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._counts = {"sent": 0, "answered": 0, "failed": 0}
        self._threads = [
            threading.Thread(target=self._loop, name=f"traffic-{i}", daemon=True)
            for i in range(threads)
        ]

    def start(self) -> TrafficReplayer:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> RequestCounts:
        """Stop sending; requests in flight finish (and are counted) first."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=self._timeout + 5)
        return self.counts()

    def counts(self) -> RequestCounts:
        with self._lock:
            return RequestCounts(**self._counts)

    def _loop(self) -> None:
        conn: DeadlineHTTPConnection | None = None
        while not self._stopping.is_set():
            with self._lock:
                body = self._bodies[next(self._next)]
                self._counts["sent"] += 1
            started = time.monotonic()
            deadline = Deadline(self._timeout)  # the whole request: a trickle cannot stretch it
            if conn is None:
                conn = DeadlineHTTPConnection(self._host, self._port, deadline)
            status = self._post(conn.bound(deadline), body)
            with self._lock:
                self._counts["answered" if 0 < status < 500 else "failed"] += 1
            if status == 0:
                conn.close()
                conn = None
                self._stopping.wait(0.05)  # the router is down: do not spin on refusals
            elif self._interval:
                self._stopping.wait(max(0.0, self._interval - (time.monotonic() - started)))
        if conn is not None:
            conn.close()

    def _post(self, conn: http.client.HTTPConnection, body: bytes) -> int:
        try:
            conn.request(
                "POST", self._path, body=body, headers={"Content-Type": "application/json"}
            )
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            return 0
        return response.status


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)  # numpy scalar -> Python scalar
    return item() if callable(item) else value
