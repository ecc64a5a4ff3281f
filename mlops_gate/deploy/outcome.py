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

    @property
    def up_to_date(self) -> bool:
        return self.status == "up to date"

    @property
    def summary(self) -> str:
        """The line that says how it ended (the local target's first, the others' last)."""
        if not self.lines:
            return self.status
        return self.lines[0] if self.target == "local" else self.lines[-1]
