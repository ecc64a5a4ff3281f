"""Progress reporting for long steps, without tying the core to a terminal library."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

Advance = Callable[[float], None]


class Progress(Protocol):
    def task(self, description: str, total: float | None = None) -> AbstractContextManager[Advance]:
        """A context manager yielding `advance(amount)` for one step."""
        ...


class NoProgress:
    """Reports nothing (JSON-only runs, tests, library use)."""

    @contextmanager
    def task(self, description: str, total: float | None = None) -> Iterator[Advance]:
        yield lambda amount: None


class OneAtATime:
    """A Progress that shows one task at a time, for gates running in threads (runner.py).

    Terminal progress bars are live displays, and a console holds only one at once (rich raises
    otherwise). While one task is shown, a task started in another thread runs unshown.
    """

    def __init__(self, inner: Progress) -> None:
        self.inner = inner
        self._showing = threading.Lock()

    @contextmanager
    def task(self, description: str, total: float | None = None) -> Iterator[Advance]:
        if not self._showing.acquire(blocking=False):
            yield lambda amount: None
            return
        try:
            with self.inner.task(description, total) as advance:
                yield advance
        finally:
            self._showing.release()
