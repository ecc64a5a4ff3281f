"""The router's counters: one window per canary step, plus totals since the router started.

A step is judged on what happened at its own weight, so `POST /-/config` opens a new window; the
totals (client requests in, answers out) span the whole run, which is what "no request lost"
is checked against. Latencies and live rows are capped per window so memory stays bounded on a
long step; the first `MAX_SAMPLES` are kept, which is plenty for a p95 or a PSI. Generated answers
both sides gave to one request (`pair`) are kept whole, the first `MAX_PAIRS` of a window, for
the orchestrator to score (`llm_agreement`); it reads them in slices (`snapshot(pairs_from=)`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from mlops_gate.deploy.local.forward import Reply

MAX_SAMPLES = 20_000
MAX_PAIRS = 2_000
BACKENDS = ("stable", "canary")


def _backend() -> dict[str, Any]:
    return {"requests": 0, "errors": 0, "latency_ms": [], "statuses": {}}


def _client() -> dict[str, int]:
    return {"requests": 0, "answered": 0, "failed": 0, "by_stable": 0, "by_canary": 0}


class RouterStats:
    """Thread-safe counters; `snapshot` returns plain JSON."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window_id = 0
        self.total = _client()
        self._open(0, "canary")

    def _open(self, weight: int, mode: str) -> None:
        self.window: dict[str, Any] = {
            "id": self._window_id,
            "weight": weight,
            "mode": mode,
            "started": time.time(),
            "client": _client(),
            "backends": {name: _backend() for name in BACKENDS},
            "compared_rows": 0,
            "agreed_rows": 0,
            "dropped_copies": 0,
            "canary_rows": {},
            "canary_row_count": 0,
            "pairs": [],
        }

    def reset(self, weight: int, mode: str) -> int:
        with self._lock:
            self._window_id += 1
            self._open(weight, mode)
            return self._window_id

    def client_request(self) -> None:
        with self._lock:
            self.total["requests"] += 1
            self.window["client"]["requests"] += 1

    def client_answer(self, reply: Reply) -> None:
        key = "failed" if reply.failed else "answered"
        with self._lock:
            for counts in (self.total, self.window["client"]):
                counts[key] += 1
                if not reply.failed:
                    counts[f"by_{reply.backend}"] += 1

    def backend_call(self, name: str, reply: Reply) -> None:
        with self._lock:
            stats = self.window["backends"][name]
            stats["requests"] += 1
            status = str(reply.status if reply.error is None else "connection")
            stats["statuses"][status] = stats["statuses"].get(status, 0) + 1
            if reply.failed:
                stats["errors"] += 1
            elif len(stats["latency_ms"]) < MAX_SAMPLES:
                stats["latency_ms"].append(round(reply.latency_ms, 3))

    def compared(self, rows: int, agreed: int) -> None:
        with self._lock:
            self.window["compared_rows"] += rows
            self.window["agreed_rows"] += agreed

    def pair(self, key: Any, canary: str, stable: str) -> None:
        """Both answers to one request (`key`: its id), kept for the agreement of generated text."""
        with self._lock:
            pairs: list[dict[str, Any]] = self.window["pairs"]
            if len(pairs) < MAX_PAIRS:
                pairs.append({"id": key, "canary": canary, "stable": stable})

    def dropped_copy(self) -> None:
        with self._lock:
            self.window["dropped_copies"] += 1

    def canary_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        """Keep the canary's input rows column by column, for the live drift analysis."""
        with self._lock:
            columns: dict[str, list[Any]] = self.window["canary_rows"]
            for row in rows:
                if self.window["canary_row_count"] >= MAX_SAMPLES:
                    return
                count = self.window["canary_row_count"]
                for key, value in row.items():
                    # A column first seen late is padded so every column stays row-aligned.
                    columns.setdefault(key, [None] * count).append(value)
                for key, values in columns.items():
                    if key not in row:
                        values.append(None)
                self.window["canary_row_count"] = count + 1

    def snapshot(
        self, *, rows: bool, pairs_from: int | None = None, window_id: int | None = None
    ) -> dict[str, Any]:
        """The window and the totals; with `pairs_from`, the window's pairs from that index on
        (from 0 when `window_id` is not the current window's) and where they start."""
        with self._lock:
            start = pairs_from if window_id == self.window["id"] else 0
            pairs = self.window["pairs"]
            window = {
                **self.window,
                "client": dict(self.window["client"]),
                "backends": {
                    name: {
                        **stats,
                        "latency_ms": list(stats["latency_ms"]),
                        "statuses": dict(stats["statuses"]),
                    }
                    for name, stats in self.window["backends"].items()
                },
                "canary_rows": (
                    {k: list(v) for k, v in self.window["canary_rows"].items()} if rows else {}
                ),
                "pairs": list(pairs[start:]) if pairs_from is not None else [],
                "pairs_from": start if pairs_from is not None else None,
                "pair_count": len(pairs),
            }
            return {"window": window, "total": dict(self.total)}
