"""What a local canary run reports: live events while it runs, one outcome at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mlops_gate.deploy.local.analysis import StepAnalysis
from mlops_gate.deploy.local.traffic import RequestCounts

Status = Literal["promoted", "rolled_back", "aborted", "error"]
StepVerdict = Literal["pass", "fail", "abort", "promote-now", "error"]
EventKind = Literal["started", "step", "tick", "rollback", "finished"]
EXIT_CODES: dict[str, int] = {"promoted": 0, "rolled_back": 1, "aborted": 1, "error": 2}
FIRST_DEPLOY = "first deploy: nothing to compare with; smoke-tested, then 100%"


@dataclass(frozen=True)
class StepResult:
    """One step as it ended: its weight, how long it ran, the last analysis and the traffic
    the router saw at that weight (`window`: client and per-backend counts)."""

    index: int
    weight: int
    verdict: StepVerdict
    message: str
    duration_s: float
    analysis: StepAnalysis | None
    window: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "weight": self.weight,
            "verdict": self.verdict,
            "message": self.message,
            "duration_s": round(self.duration_s, 3),
            "analysis": self.analysis.to_dict() if self.analysis else None,
            "window": self.window,
        }


@dataclass(frozen=True)
class CanaryEvent:
    """Live progress for the caller's display.

    `started` (servers and router up; `urls`/`pids` set), `step` (a new weight is live), `tick`
    (a fresh `analysis` of the current step, about every `tick_s`), `rollback` (traffic moved back
    to stable; `message` says why), `finished` (sent before the processes stop; `outcome` set).
    """

    kind: EventKind
    step: int | None
    weight: int
    message: str
    requests: RequestCounts
    analysis: StepAnalysis | None = None
    elapsed_s: float = 0.0
    urls: dict[str, str] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    outcome: CanaryOutcome | None = None


@dataclass(frozen=True)
class CanaryOutcome:
    """How the canary ended.

    `status`: promoted (every step held, or promote-now), rolled_back (an analysis failed: traffic
    is back on stable and the canary is marked failed), aborted (asked to), error (could not
    decide: the router or the stable server died, or a step stayed inconclusive). `requests` are
    the client's own counts over the whole run; `router` the router's totals when it could still
    be asked; `stable_serving` whether stable answered a direct `/predict` at the end.
    """

    status: Status
    message: str
    mode: str
    steps: tuple[StepResult, ...]
    requests: RequestCounts
    final_weight: int
    state_file: Path
    router: dict[str, Any] = field(default_factory=dict)
    stable_serving: bool | None = None

    @property
    def exit_code(self) -> int:
        """DESIGN.md's codes: promoted 0, rolled back 1 (the canary failed), otherwise 2."""
        return EXIT_CODES[self.status]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": "local",
            "status": self.status,
            "message": self.message,
            "mode": self.mode,
            "final_weight": self.final_weight,
            "requests": self.requests.to_dict(),
            "router": self.router,
            "stable_serving": self.stable_serving,
            "steps": [step.to_dict() for step in self.steps],
            "state_file": str(self.state_file),
        }
