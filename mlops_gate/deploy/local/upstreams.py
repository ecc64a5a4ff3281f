"""What stands behind the router: the two sides a local canary compares (`run.CanaryRun`'s seam).

An `Upstreams` starts the sides' processes (`stable` and `canary`, or `canary` alone on a first
deploy), names the path clients post to, and turns the router's stats window into what the
analysis judges. Everything else of a canary run (the router, the steps, the traffic, rollback,
the state file) is the same for every kind of upstream.

- `ModelServers`: the serving app (`mlops_gate/serving/app.py`) over two model files; clients post
  `/predict` bodies and the router counts the rows whose answers agree itself.
- `llm_upstreams.LlmApps`: two LLM apps (a prompt template and a model behind an endpoint);
  clients post eval rows to `/generate` and the pairs of answers are scored on this side, by a
  text metric or a judge (`llm_agreement`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from mlops_gate.deploy.local.snapshot import window_stats

if TYPE_CHECKING:
    from pathlib import Path

    from mlops_gate.deploy.local.analysis import WindowStats
    from mlops_gate.deploy.local.servers import Process, Processes


class Upstreams(Protocol):
    """The sides of one canary run, as `run.CanaryRun` uses them."""

    @property
    def path(self) -> str:
        """Where clients post a request (`/predict`, `/generate`)."""
        ...

    def start(self, processes: Processes, timeout: float) -> dict[str, Process]:
        """Start every side (by name: `stable`, `canary`) and return once each is ready to answer;
        `DeployError` (exit 2, one line) when one is not."""
        ...

    def stats_query(self) -> str:
        """What to add to the router's `/-/stats` query (empty: nothing)."""
        ...

    def measure(self, window: dict[str, Any]) -> WindowStats:
        """The analysis input of one stats window."""
        ...

    def problem(self) -> str | None:
        """Why the analysis cannot decide any more (an `error` step), or None."""
        ...

    def close(self) -> None:
        """Stop what `measure` started (threads); the processes are `Processes`'s to stop."""
        ...


@dataclass(frozen=True)
class ModelServers:
    """One model server per model file (`models`: by side); `features` names the input columns
    of a model whose ONNX metadata does not."""

    models: dict[str, Path]
    features: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return "/predict"

    def start(self, processes: Processes, timeout: float) -> dict[str, Process]:
        return processes.model_servers(dict(self.models), timeout, self.features)

    def stats_query(self) -> str:
        return ""

    def measure(self, window: dict[str, Any]) -> WindowStats:
        return window_stats(window)

    def problem(self) -> str | None:
        return None

    def close(self) -> None:
        """Nothing to stop."""
