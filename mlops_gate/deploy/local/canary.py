"""The local canary: start stable, canary and router; walk the steps; advance or roll back.

Each step sets the router's weight (a fresh stats window), then ticks: obey a control request
(`state.request_control`), check that every process still runs, analyse the window
(`analysis.analyse`) and write the state file. A failed analysis, or a canary server that died,
rolls traffic back to 0 % at once; a step advances once it held for `step_duration` seconds.
The router or the stable server dying is an `error` (exit 2): nothing can be judged any more.
Traffic keeps flowing through the rollback and for `drain_s` after it, so the client's counts
show that every request got an answer while the weight moved.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.deploy.local import state
from mlops_gate.deploy.local.errors import DeployError
from mlops_gate.deploy.local.outcome import CanaryEvent, CanaryOutcome, StepResult
from mlops_gate.deploy.local.run import CanaryRun, Settings

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.policy.model import CanarySpec

__all__ = ["CanaryEvent", "CanaryOutcome", "Settings", "StepResult", "run_local_canary"]


def run_local_canary(
    spec: CanarySpec,
    stable_model: Path,
    canary_model: Path,
    *,
    features: Sequence[str],
    requests: Sequence[Mapping[str, Any]],
    reference: pd.DataFrame | Mapping[str, Any] | None,
    state_dir: Path,
    on_event: Callable[[CanaryEvent], None] | None = None,
    settings: Settings | None = None,
) -> CanaryOutcome:
    """Run the canary of `canary_model` against `stable_model` on 127.0.0.1 and say how it ended.

    `requests` are `/predict` bodies replayed in a loop as traffic (`traffic.requests_from_frame`
    for data.eval, `traffic.read_request_file` for `spec.requests`); `reference` is data.reference,
    needed only by `analysis.drift`. Raises `DeployError` when it cannot start (a model server that
    never gets ready, a canary already running on `state_dir`); once started, every ending is an
    outcome, and every process it started is stopped before it returns.
    """
    if spec.target != "local":
        raise DeployError(f"run_local_canary runs target `local`, not `{spec.target}`")
    reference_columns = _reference_columns(spec, features, reference)
    state_dir.mkdir(parents=True, exist_ok=True)
    state.claim(state_dir)
    run = CanaryRun(
        spec=spec,
        features=list(features),
        requests=list(requests),
        reference=reference_columns,
        state_dir=state_dir,
        on_event=on_event or _ignore,
        settings=settings or Settings(),
        pid=os.getpid(),
        started_at=time.time(),
    )
    return run.execute(stable_model, canary_model)


def _reference_columns(
    spec: CanarySpec, features: Sequence[str], reference: pd.DataFrame | Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The reference columns the live drift analysis compares with, checked before any start."""
    drift = spec.analysis.drift
    if drift is None:
        return None
    columns = list(features) if drift.columns == "all" else list(drift.columns)
    if reference is None:
        raise DeployError("deploy.canary.analysis.drift needs data.reference to compare with")
    unknown = [c for c in columns if c not in features]
    if unknown:
        raise DeployError(
            f"deploy.canary.analysis.drift.columns: {', '.join(unknown)} not among the model's "
            f"features ({', '.join(features)})"
        )
    import numpy as np

    missing = [c for c in columns if c not in reference]
    if missing:
        raise DeployError(f"data.reference has no column {', '.join(missing)} (analysis.drift)")
    return {c: np.asarray(reference[c]) for c in columns}


def _ignore(event: CanaryEvent) -> None:
    """The default `on_event`: library callers that only want the outcome."""
