"""Progress reporting for long steps, without tying the core to a terminal library."""

from __future__ import annotations

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
