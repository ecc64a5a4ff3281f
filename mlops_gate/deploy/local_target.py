"""The `local` target of `deploy`: a gated release through a real canary on this machine.

The stable model (`deploy.canary.stable`, else the version holding `deploy.canary.alias`, else
`baseline.path`) and the released model are served by real server processes behind a weighted
router on 127.0.0.1 (`deploy/local/`); `data.eval` (or `deploy.canary.requests`) is replayed as
traffic. Reaching 100% moves `deploy.canary.alias` to the version; any other ending moves nothing.
Either way the outcome is tagged on the registry version (`mlops_gate.canary.*`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.deploy.gated import GatedRelease, conclude, stable_model
from mlops_gate.deploy.outcome import DeployOutcome, EventHook

if TYPE_CHECKING:
    from collections.abc import Callable

    from mlops_gate.deploy.local.outcome import CanaryEvent

TICK_EVERY_S = 2.0  # live analysis lines at most this often; steps and rollbacks always


def status_lines(state_dir: Path) -> list[str]:
    from mlops_gate.deploy.local.display import status_lines as lines

    return lines(state_dir)


def run_for_release(
    release: GatedRelease, model_file: Path, state_dir: Path, timeout: float, say: EventHook
) -> DeployOutcome:
    from mlops_gate.context import EvaluationContext
    from mlops_gate.deploy.local.canary import run_local_canary
    from mlops_gate.deploy.local.traffic import read_request_file, requests_from_frame

    spec, loaded = release.canary, release.loaded
    label = f"{release.model_name}@{spec.alias}"
    if release.already_serving:
        return DeployOutcome(
            "local",
            "up to date",
            0,
            [f"version {release.version} already holds {label}: nothing to deploy"],
        )
    context = EvaluationContext(loaded, timeout=timeout)
    features = context.features()
    if spec.requests is not None:
        requests = read_request_file(loaded.resolve(spec.requests))
    else:
        requests = requests_from_frame(context.dataset("eval"), features)
    reference = context.dataset("reference") if spec.analysis.drift is not None else None
    stable, source = stable_model(release, timeout=timeout)
    say(
        f"canary of {release.model_name} version {release.version} ({release.promoted}) "
        f"against stable {source}: steps {spec.steps}, {spec.mode} mode"
    )
    outcome = run_local_canary(
        spec,
        stable,
        model_file,
        features=features,
        requests=requests,
        reference=reference,
        state_dir=state_dir,
        on_event=_throttled(say),
    )
    counts = outcome.requests
    lines = [
        f"canary {outcome.status}: {outcome.message}",
        f"requests: {counts.sent} sent, {counts.answered} answered, {counts.lost} lost",
    ]
    promoted = outcome.status == "promoted"
    moved = conclude(
        release,
        {
            "mlops_gate.canary.status": outcome.status,
            "mlops_gate.canary.message": outcome.message[:4000],
            "mlops_gate.canary.steps": json.dumps([s.weight for s in outcome.steps]),
            "mlops_gate.canary.target": "local",
        },
        move_reason=f"local canary reached 100%: {outcome.message}" if promoted else None,
        timeout=timeout,
    )
    lines.append(moved.summary() if moved else f"{label} unchanged ({release.serving or 'unset'})")
    return DeployOutcome(
        "local", outcome.status, outcome.exit_code, lines, {"canary": outcome.to_dict()}
    )


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
