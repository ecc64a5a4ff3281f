"""Compute each value once, however many gate threads ask for it (engine/runner.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Memo:
    """Results by key, failures included: a broken file is read once, and every gate that needs
    it reports the same one-line error.

    A thread asking for a key another thread is computing waits for that result; different keys
    compute concurrently. Keys depend on each other only one way (predictions on model and data,
    model on location), so per-key locks cannot deadlock.
    """

    def __init__(self) -> None:
        self._values: dict[Hashable, tuple[bool, Any]] = {}
        self._lock = threading.Lock()  # guards _key_locks only
        self._key_locks: dict[Hashable, threading.RLock] = {}

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            lock = self._key_locks.setdefault(key, threading.RLock())
        with lock:
            if key not in self._values:
                try:
                    self._values[key] = (True, compute())
                except Exception as exc:
                    self._values[key] = (False, exc)
            ok, value = self._values[key]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]
