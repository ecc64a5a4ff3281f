"""The `local` target of `deploy`: a gated release through a real canary on this machine.

The stable model (`deploy.canary.stable`, else the version holding `deploy.canary.alias`, else
`baseline.path`) and the released model are served by real server processes behind a weighted
router on 127.0.0.1 (`deploy/local/`); `data.eval` (or `deploy.canary.requests`) is replayed as
traffic. Reaching 100% moves `deploy.canary.alias` to the version; any other ending moves nothing.
Either way the outcome is tagged on the registry version (`mlops_gate.canary.*`). The canary's
progress lives in the request's `state_dir`, where `status`, `abort` and `promote_now` find it.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, ClassVar

from mlops_gate.deploy.outcome import DeployOutcome

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from mlops_gate.deploy.gated import GatedRelease
    from mlops_gate.deploy.local.outcome import CanaryEvent, CanaryOutcome
    from mlops_gate.deploy.outcome import EventHook
    from mlops_gate.deploy.targets import CanaryRef, DeployRequest

TICK_EVERY_S = 2.0  # live analysis lines at most this often; steps and rollbacks always
CONTROL_TIMEOUT_S = 30.0  # how long `abort` / `promote_now` wait for the canary to obey


class LocalTarget:
    """Real model servers and a weighted router on 127.0.0.1 (the embedded default)."""

    dry_run_renders: ClassVar[str | None] = None

    def deploy(self, request: DeployRequest) -> DeployOutcome:
        release = request.release
        if release.already_serving:
            label = f"{release.model_name}@{release.canary.alias}"
            return DeployOutcome(
                "local",
                "up to date",
                0,
                [f"version {release.version} already holds {label}: nothing to deploy"],
            )
        return _run(request)

    def status(self, canary: CanaryRef) -> list[str]:
        from mlops_gate.deploy.local.display import status_lines

        return status_lines(canary.state_dir)

    def abort(self, canary: CanaryRef) -> str:
        return _control(canary, "abort")

    def promote_now(self, canary: CanaryRef) -> str:
        return _control(canary, "promote-now")


def _control(canary: CanaryRef, action: str) -> str:
    from mlops_gate.deploy.local.state import request_control

    timeout = min(canary.timeout, CONTROL_TIMEOUT_S)
    state = request_control(canary.state_dir, action, timeout=timeout)
    return f"local canary: {action} done, canary at {state.get('weight')}% ({state.get('status')})"


def _run(request: DeployRequest) -> DeployOutcome:
    from mlops_gate.deploy.gated import stable_model
    from mlops_gate.deploy.local.canary import run_local_canary

    release, spec = request.release, request.release.canary
    features, requests, reference = _traffic(release, request.timeout)
    stable, source = stable_model(release, timeout=request.timeout)
    request.say(
        f"canary of {release.model_name} version {release.version} ({release.promoted}) "
        f"against stable {source}: steps {spec.steps}, {spec.mode} mode"
    )
    outcome = run_local_canary(
        spec,
        stable,
        request.model_file,
        features=features,
        requests=requests,
        reference=reference,
        state_dir=request.state_dir,
        on_event=_throttled(request.say),
    )
    counts = outcome.requests
    lines = [
        f"canary {outcome.status}: {outcome.message}",
        f"requests: {counts.sent} sent, {counts.answered} answered, {counts.lost} lost",
        _conclude(release, outcome, request.timeout),
    ]
    record = {"canary": outcome.to_dict()}
    return DeployOutcome("local", outcome.status, outcome.exit_code, lines, record, summary_index=0)


def _traffic(
    release: GatedRelease, timeout: float
) -> tuple[list[str], list[dict[str, Any]], pd.DataFrame | None]:
    """The features, the requests to replay, and the reference set when live drift is judged."""
    from mlops_gate.deploy.local.traffic import read_request_file, requests_from_frame
    from mlops_gate.engine.context import EvaluationContext

    spec, loaded = release.canary, release.loaded
    context = EvaluationContext(loaded, timeout=timeout)
    features = context.features()
    if spec.requests is not None:
        requests = read_request_file(loaded.resolve(spec.requests))
    else:
        requests = requests_from_frame(context.dataset("eval"), features)
    reference = context.dataset("reference") if spec.analysis.drift is not None else None
    return features, requests, reference


def _conclude(release: GatedRelease, outcome: CanaryOutcome, timeout: float) -> str:
    """Move the serving alias when the canary reached 100%, tag the outcome either way."""
    from mlops_gate.deploy.gated import conclude

    promoted = outcome.status == "promoted"
    tags: dict[str, str] = {
        "mlops_gate.canary.status": outcome.status,
        "mlops_gate.canary.message": outcome.message[:4000],
        "mlops_gate.canary.steps": json.dumps([s.weight for s in outcome.steps]),
        "mlops_gate.canary.target": "local",
    }
    reason = f"local canary reached 100%: {outcome.message}" if promoted else None
    moved = conclude(release, tags, move_reason=reason, timeout=timeout)
    if moved is not None:
        return moved.summary()
    return f"{release.model_name}@{release.canary.alias} unchanged ({release.serving or 'unset'})"


def _throttled(say: EventHook) -> Callable[[CanaryEvent], None]:
    from mlops_gate.deploy.local.display import event_line

    last = [0.0]

    def hook(event: CanaryEvent) -> None:
        now = time.monotonic()
        if event.kind == "tick" and now - last[0] < TICK_EVERY_S:
            return
        last[0] = now
        say(event_line(event))

    return hook
