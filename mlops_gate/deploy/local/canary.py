"""The local canary: start stable, canary and router; walk the steps; advance or roll back.

Each step sets the router's weight (a fresh stats window), then ticks: obey a control request
(`state.request_control`), check that every process still runs, analyse the window
(`analysis.analyse`) and write the state file. A failed analysis, or a canary server that died,
rolls traffic back to 0 % at once; a step advances once it held for `step_duration` seconds.
The router or the stable server dying is an `error` (exit 2): nothing can be judged any more.
Traffic keeps flowing through the rollback and for `drain_s` after it, so the client's counts
show that every request got an answer while the weight moved.

With nothing to compare with (a first deploy), `first_deploy` smoke-tests the new server alone and
then gives it 100%, as Argo Rollouts and Flagger do on a first rollout.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.deploy.local import state
from mlops_gate.deploy.local.errors import DeployError
from mlops_gate.deploy.local.outcome import CanaryEvent, CanaryOutcome, StepResult
from mlops_gate.deploy.local.run import CanaryRun, Settings
from mlops_gate.deploy.local.servers import get_json
from mlops_gate.deploy.local.traffic import RequestCounts
from mlops_gate.deploy.local.upstreams import ModelServers
from mlops_gate.fsutil import make_folders

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.policy.deploy import CanarySpec

__all__ = [
    "CanaryEvent",
    "CanaryOutcome",
    "Settings",
    "StepResult",
    "first_deploy",
    "run_local_canary",
    "smoke_test",
]
SMOKE_ROWS = 500  # rows per smoke-test request: data.eval in a few requests, well under MAX_ROWS


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
    needed only by `analysis.drift`. Raises `DeployError` when another canary is already running on
    `state_dir`; once this one has claimed it, every ending is an outcome, a side or the router
    that never gets ready included (`error`: the caller gives the promoted alias back), and every
    process it started is stopped before it returns.
    """
    if spec.target != "local":
        raise DeployError(f"run_local_canary runs target `local`, not `{spec.target}`")
    reference_columns = _reference_columns(spec, features, reference)
    make_folders(state_dir)
    state.claim(state_dir)
    run = CanaryRun(
        spec=spec,
        upstreams=ModelServers({"stable": stable_model, "canary": canary_model}, list(features)),
        features=list(features),
        requests=list(requests),
        reference=reference_columns,
        state_dir=state_dir,
        on_event=on_event or _ignore,
        settings=settings or Settings(),
        pid=os.getpid(),
        started_at=time.time(),
    )
    return run.execute()


def first_deploy(
    spec: CanarySpec,
    canary_model: Path,
    *,
    features: Sequence[str],
    requests: Sequence[Mapping[str, Any]],
    state_dir: Path,
    on_event: Callable[[CanaryEvent], None] | None = None,
    settings: Settings | None = None,
) -> CanaryOutcome:
    """The first deploy of a model: no stable to compare the canary with, so do what Argo
    Rollouts and Flagger do on a first rollout (straight to 100%, no steps), after a smoke test
    of the new server alone: it gets ready (`/ready`), is healthy (`/health`) and answers the
    `requests` (data.eval's rows) with 200 and one prediction per row. `promoted` when it did,
    `rolled_back` (it never took traffic) when not; one step, at 100%, in the state file."""
    if spec.target != "local":
        raise DeployError(f"first_deploy runs target `local`, not `{spec.target}`")
    make_folders(state_dir)
    state.claim(state_dir)
    settings = settings or Settings()
    run = CanaryRun(
        spec=spec.model_copy(update={"steps": [100]}),
        upstreams=ModelServers({"canary": canary_model}, list(features)),
        features=list(features),
        requests=list(requests),
        reference=None,
        state_dir=state_dir,
        on_event=on_event or _ignore,
        settings=settings,
        pid=os.getpid(),
        started_at=time.time(),
    )
    bodies = list(requests)
    return run.first_deploy(lambda url: smoke_test(url, bodies, timeout=settings.backend_timeout_s))


def smoke_test(
    url: str, requests: Sequence[Mapping[str, Any]], *, timeout: float
) -> tuple[RequestCounts, str | None]:
    """Health, readiness, then every row of `requests` in batches of `SMOKE_ROWS`: each batch
    answered 200 with one label, probability row or prediction per row. The counts, and the first
    problem found (None: every check held)."""
    for path in ("/health", "/ready"):
        code, _ = get_json(url, path, timeout=timeout)
        if code != 200:
            return RequestCounts(), f"{path} answered {code or 'nothing'}"
    sent = answered = 0
    for batch in _batches(requests):
        code, answer = get_json(url, "/predict", timeout=timeout, body={"rows": batch})
        sent += 1
        problem = _shape_problem(code, answer, len(batch))
        if problem is not None:
            return RequestCounts(sent, answered, sent - answered), problem
        answered += 1
    if sent == 0:
        return RequestCounts(), "no request to send (data.eval or deploy.canary.requests is empty)"
    return RequestCounts(sent, answered, 0), None


def _batches(requests: Sequence[Mapping[str, Any]]) -> Iterator[list[Any]]:
    rows: list[Any] = []
    for body in requests:
        rows.extend(body.get("rows") or [])
        while len(rows) >= SMOKE_ROWS:
            yield rows[:SMOKE_ROWS]
            rows = rows[SMOKE_ROWS:]
    if rows:
        yield rows


def _shape_problem(code: int, answer: Any, rows: int) -> str | None:
    """What is wrong with one `/predict` answer to `rows` rows; None when nothing is."""
    if code != 200:
        return f"/predict answered {code or 'nothing'} to {rows} rows"
    found = {
        key: answer.get(key)
        for key in ("labels", "probabilities", "predictions")
        if isinstance(answer, dict) and answer.get(key) is not None
    }
    if not found:
        return "/predict answered no labels, probabilities or predictions"
    for key, value in found.items():
        if not isinstance(value, list) or len(value) != rows:
            count = len(value) if isinstance(value, list) else "no list of"
            return f"/predict answered {count} {key} for {rows} rows"
    return None


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
