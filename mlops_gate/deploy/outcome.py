"""What `deploy` reports, whatever the target: `DeployOutcome`, and the live-event hook."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

EventHook = Callable[[str], None]


@dataclass
class DeployOutcome:
    target: str
    status: str
    """promoted, rolled_back, aborted, error (local); applied, rendered (kubernetes); created
    (github); up to date (any)."""
    exit_code: int
    lines: list[str] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)
    summary_index: int = -1
    """Which of `lines` says how it ended: the last unless the target puts it first."""

    @property
    def up_to_date(self) -> bool:
        return self.status == "up to date"

    @property
    def summary(self) -> str:
        """The line that says how it ended (`summary_index`), else the status."""
        return self.lines[self.summary_index] if self.lines else self.status
