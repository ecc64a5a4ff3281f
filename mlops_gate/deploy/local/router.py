"""The weighted router of the local canary, run as its own process on 127.0.0.1.

    python -m mlops_gate.deploy.local.router --fd N --stable URL --canary URL

It is a separate process so that it fails like a real load balancer does: the orchestrator only
talks to it over HTTP, and a test can kill it. Client requests (any path but `/-/...`) go to the
stable or the canary model server by weight; admin endpoints on the same port:
`GET /-/health`, `POST /-/config {"weight": 0-100, "mode": "canary"|"shadow"}` (starts a new stats
window), `GET /-/stats[?rows=1][&pairs_from=K&window=W]` (the window's per-backend stats, see
`RouterStats`; with `pairs_from`, the generated answer pairs from the K-th on).

Canary mode: a request the canary fails (5xx, connection error, timeout) is retried on stable, so
the client still gets an answer and the failure counts against the canary; a share of the canary's
successful requests is mirrored to stable to measure agreement. Shadow mode: stable answers every
client; the routed share is copied to the canary in the background and never answers anyone.
The backends are model servers (`/predict`: the router counts the rows whose labels or predictions
agree) or LLM apps (`/generate`: it keeps both answers, which the orchestrator scores).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mlops_gate.deploy.local.forward import Backend, Reply, agreement, answer_texts
from mlops_gate.deploy.local.window import RouterStats

ADMIN = "/-/"
# Background copies (mirror/shadow) beyond this many in flight are dropped, not queued: a slow
# canary must not grow the router's memory without bound.
MAX_IN_FLIGHT = 64


class Router:
    """Routing decisions and stats, shared by the handler threads."""

    def __init__(
        self,
        stable: Backend,
        canary: Backend,
        mirror_share: float,
        tolerance: tuple[float, float] = (1e-3, 1e-6),
    ) -> None:
        self.backends = {"stable": stable, "canary": canary}
        self.stats = RouterStats()
        self.mirror_share = mirror_share
        self.tolerance = tolerance  # (rel, abs): when two regression predictions agree
        self._lock = threading.Lock()
        self._weight, self._mode = 0, "canary"
        self._random = random.Random()
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="copy")
        self._in_flight = threading.BoundedSemaphore(MAX_IN_FLIGHT)

    def configure(self, weight: int, mode: str) -> int:
        with self._lock:
            self._weight, self._mode = weight, mode
        return self.stats.reset(weight, mode)

    def _pick_canary(self) -> tuple[bool, str]:
        """A random draw per request, not every n-th one: replayed traffic repeats in a cycle,
        and a fixed stride would send the canary the same few rows over and over."""
        with self._lock:
            return self._random.random() * 100 < self._weight, self._mode

    def _should_mirror(self) -> bool:
        with self._lock:
            return self._random.random() < self.mirror_share

    def handle(self, method: str, path: str, body: bytes) -> Reply:
        if method != "POST":
            return self._serve("stable", method, path, body, fallback=True)
        to_canary, mode = self._pick_canary()
        rows = _rows(body)
        self.stats.client_request()
        if mode == "shadow":
            reply = self._serve("stable", method, path, body, fallback=False)
            if to_canary:
                self._copy(path, body, rows, reply)
            return reply
        first = "canary" if to_canary else "stable"
        if to_canary:
            self.stats.canary_rows(rows)
        reply = self._serve(first, method, path, body, fallback=True)
        if to_canary and reply.backend == "canary" and reply.ok and self._should_mirror():
            self._copy(path, body, rows, reply, target="stable")
        return reply

    def _serve(self, first: str, method: str, path: str, body: bytes, *, fallback: bool) -> Reply:
        reply = self._call(first, method, path, body)
        if reply.failed and fallback:
            other = "canary" if first == "stable" else "stable"
            if other == "stable" or self._weight > 0:  # after a rollback the canary is out
                second = self._call(other, method, path, body)
                reply = second if not second.failed else reply
        self.stats.client_answer(reply)
        return reply

    def _call(self, name: str, method: str, path: str, body: bytes) -> Reply:
        reply = self.backends[name].send(method, path, body)
        if method == "POST":
            self.stats.backend_call(name, reply)
        return reply

    def _copy(
        self,
        path: str,
        body: bytes,
        rows: list[dict[str, Any]],
        answered: Reply,
        target: str = "canary",
    ) -> None:
        if not self._in_flight.acquire(blocking=False):
            self.stats.dropped_copy()
            return
        if target == "canary":
            self.stats.canary_rows(rows)

        def run() -> None:
            try:
                copy = self._call(target, "POST", path, body)
                if copy.ok and answered.ok:
                    canary, stable = (copy, answered) if target == "canary" else (answered, copy)
                    self._compare(body, canary.body, stable.body)
            finally:
                self._in_flight.release()

        self._pool.submit(run)

    def _compare(self, request: bytes, canary: bytes, stable: bytes) -> None:
        texts = answer_texts(canary, stable)
        if texts is None:
            self.stats.compared(*agreement(canary, stable, *self.tolerance))
        else:
            self.stats.pair(_request_id(request), *texts)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the replayer reuses its connections
    # Headers and body are two writes: with Nagle on, the body waits for a delayed ACK (40 ms).
    disable_nagle_algorithm = True
    server: RouterServer

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        router = self.server.router
        if self.path.startswith(ADMIN):
            status, payload = _admin(router, method, self.path, body)
            self._send(status, json.dumps(payload).encode(), "application/json", "router")
            return
        reply = router.handle(method, self.path, body)
        self._send(reply.status, reply.body, reply.content_type, reply.backend)

    def _send(self, status: int, body: bytes, content_type: str, served_by: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Served-By", served_by)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: one line per request would drown the canary's own progress."""


class RouterServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sock: socket.socket, router: Router) -> None:
        super().__init__(sock.getsockname()[:2], Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.router = router


def _admin(router: Router, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    parts = urlsplit(path)
    if parts.path == "/-/health":
        return 200, {"status": "ok", "pid": os.getpid()}
    if parts.path == "/-/stats" and method == "GET":
        query = parse_qs(parts.query)
        try:
            pairs_from = int(query["pairs_from"][0]) if "pairs_from" in query else None
            window = int(query["window"][0]) if "window" in query else None
        except ValueError as exc:
            return 400, {"error": f"bad stats query: {exc}"}
        rows = query.get("rows") == ["1"]
        return 200, router.stats.snapshot(rows=rows, pairs_from=pairs_from, window_id=window)
    if parts.path == "/-/config" and method == "POST":
        try:
            config = json.loads(body)
            weight, mode = int(config["weight"]), str(config.get("mode", "canary"))
        except (ValueError, KeyError, TypeError) as exc:
            return 400, {"error": f"bad config: {exc}"}
        if not 0 <= weight <= 100 or mode not in ("canary", "shadow"):
            return 400, {"error": f"bad config: weight {weight}, mode {mode}"}
        return 200, {"window": router.configure(weight, mode), "weight": weight, "mode": mode}
    return 404, {"error": f"no admin endpoint {parts.path}"}


def _rows(body: bytes) -> list[dict[str, Any]]:
    try:
        rows = json.loads(body).get("rows")
    except (ValueError, AttributeError):
        return []
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def _request_id(body: bytes) -> Any:
    """The `id` of an eval-row-shaped request (an LLM app's), or None."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    key = document.get("id") if isinstance(document, dict) else None
    return key if isinstance(key, str | int) and not isinstance(key, bool) else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="mlops_gate.deploy.local.router")
    parser.add_argument("--fd", type=int, required=True, help="a listening socket's descriptor")
    parser.add_argument("--stable", required=True)
    parser.add_argument("--canary", required=True)
    parser.add_argument("--timeout", type=float, default=10.0, help="per backend call, seconds")
    parser.add_argument("--mirror-share", type=float, default=0.25)
    parser.add_argument("--agreement-tolerance", type=float, nargs=2, default=(1e-3, 1e-6))
    args = parser.parse_args(argv)
    sock = socket.socket(fileno=args.fd)
    router = Router(
        Backend("stable", args.stable, args.timeout),
        Backend("canary", args.canary, args.timeout),
        args.mirror_share,
        (args.agreement_tolerance[0], args.agreement_tolerance[1]),
    )
    with RouterServer(sock, router) as server:
        server.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
