"""The `local` target of `deploy`: a gated release through a real canary on this machine.

The stable model (`deploy.canary.stable`, else the version holding `deploy.canary.alias`, else the
baseline the check compared with; `gated.stable_model`) and the released model are served by real
server processes behind a weighted router on 127.0.0.1 (`deploy/local/`); `data.eval` (or
`deploy.canary.requests`) is replayed as traffic. A generation policy's canary is two LLM apps,
the baseline's and the candidate's, behind the same router (`deploy/local/llm_canary.py`). With no
stable at all (a first deploy), the new server is smoke-tested alone and then takes 100%, as Argo
Rollouts and Flagger do on a first rollout. Reaching 100% moves `deploy.canary.alias` to the
version; any other ending moves nothing and gives the promoted alias back. Either way the outcome
is tagged on the registry version (`mlops_gate.canary.*`) and written to the state file in the
request's `state_dir`, where `status`, `abort` and `promote_now` find it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from mlops_gate.deploy.outcome import DeployOutcome
from mlops_gate.errors import MlopsGateError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pandas as pd

    from mlops_gate.deploy.gated import GatedRelease
    from mlops_gate.deploy.local.llm_plan import LlmCanaryPlan
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
    try:
        start, first = _prepare(request)
    except MlopsGateError as exc:
        raise _never_started(request, exc) from None
    return _finish(request, start(), first=first)


def _prepare(request: DeployRequest) -> tuple[Callable[[], CanaryOutcome], bool]:
    """What the canary needs before it starts (the traffic, the stable side), and how to start
    it; whether it is a first deploy."""
    from mlops_gate.deploy.gated import stable_model
    from mlops_gate.deploy.local.llm_plan import is_generation, plan_llm_canary

    release = request.release
    if is_generation(release.loaded):
        plan = plan_llm_canary(release.loaded, release.canary)
        return (lambda: _llm_run(request, plan)), plan.stable is None
    features, requests, reference = _traffic(release, request.timeout)
    stable = stable_model(release, timeout=request.timeout)
    if stable is None:
        return (lambda: _first_deploy(request, features, requests)), True
    return (lambda: _canary(request, stable, features, requests, reference)), False


def _never_started(request: DeployRequest, exc: MlopsGateError) -> MlopsGateError:
    """A deploy refused before its canary started (the stable model missing or the candidate
    itself, the traffic unreadable, an LLM plan that cannot be made) is an ending short of 100%
    too: the promoted alias goes back, as `_conclude` does, and the error says so."""
    from mlops_gate.deploy.gated import canary_tags, conclude
    from mlops_gate.deploy.local.errors import DeployError, not_started

    release = request.release
    tags = canary_tags("local", "error", not_started(exc), [])
    try:
        done = conclude(release, tags, move_reason=None, timeout=request.timeout)
    except MlopsGateError as registry:
        held = f"{release.promoted} may still hold version {release.version}"
        return DeployError(f"{exc}; {held}: {registry}")
    if done.given_back is None:
        return exc
    return DeployError(f"{exc}; {done.given_back.summary()}")


def _canary(
    request: DeployRequest,
    stable: tuple[Path, str],
    features: list[str],
    requests: list[dict[str, Any]],
    reference: pd.DataFrame | None,
) -> CanaryOutcome:
    from mlops_gate.deploy.local.canary import run_local_canary

    release, spec = request.release, request.release.canary
    request.say(
        f"canary of {release.model_name} version {release.version} ({release.promoted}) "
        f"against stable {stable[1]}: steps {spec.steps}, {spec.mode} mode"
    )
    return run_local_canary(
        spec,
        stable[0],
        request.model_file,
        features=features,
        requests=requests,
        reference=reference,
        state_dir=request.state_dir,
        on_event=_throttled(request.say),
    )


def _llm_run(request: DeployRequest, plan: LlmCanaryPlan) -> CanaryOutcome:
    """An LLM app: the candidate (`model`) against the app in production (`baseline`), two
    endpoints behind the router (docs/deploy.md, "Canary of an LLM app")."""
    from mlops_gate.deploy.local.llm_canary import first_llm_deploy, run_llm_canary

    release = request.release
    hook = _throttled(request.say)
    candidate = f"{release.model_name} version {release.version} ({release.promoted})"
    if plan.stable is None:
        request.say(
            f"first deploy of {candidate}: no baseline app to compare with; smoke test of "
            f"{plan.canary.describe()}, then 100%"
        )
        outcome = first_llm_deploy(plan, state_dir=request.state_dir, on_event=hook)
    else:
        spec = release.canary
        request.say(
            f"canary of {candidate}, {plan.canary.describe()}, against the baseline app "
            f"{plan.stable.describe()}: steps {spec.steps}, {spec.mode} mode"
        )
        outcome = run_llm_canary(plan, state_dir=request.state_dir, on_event=hook)
    return outcome


def _first_deploy(
    request: DeployRequest, features: list[str], requests: list[dict[str, Any]]
) -> CanaryOutcome:
    """Nothing serves yet and nothing else is named as stable: what Argo Rollouts and Flagger do
    on a first rollout (straight to 100%), after a smoke test of the new server."""
    from mlops_gate.deploy.local.canary import first_deploy

    release = request.release
    request.say(
        f"first deploy of {release.model_name} version {release.version} ({release.promoted}): "
        f"no version holds {release.serving_label}, no deploy.canary.stable, no baseline to "
        "compare with; smoke test, then 100%"
    )
    return first_deploy(
        release.canary,
        request.model_file,
        features=features,
        requests=requests,
        state_dir=request.state_dir,
        on_event=_throttled(request.say),
    )


def _finish(request: DeployRequest, outcome: CanaryOutcome, *, first: bool) -> DeployOutcome:
    """Conclude in the registry, then say so everywhere: the lines, deploy.json, the state file
    that `deploy --status` reads (so that it agrees with `history` after every ending)."""
    from mlops_gate.deploy.local.state import record_conclusion

    status, code, said = _conclude(request.release, outcome, request.timeout)
    record_conclusion(request.state_dir, status, said)
    counts = outcome.requests
    head, rest = f"canary {status}: {outcome.message}", said
    if status != outcome.status:  # the registry overruled the canary: the summary says why
        head, rest = f"{head}; {said[0]}", said[1:]
    lines = [
        head,
        f"requests: {counts.sent} sent, {counts.answered} answered, {counts.lost} lost",
        *rest,
    ]
    record = {"canary": outcome.to_dict(), "conclusion": said, "first_deploy": first}
    return DeployOutcome("local", status, code, lines, record, summary_index=0)


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


def _conclude(
    release: GatedRelease, outcome: CanaryOutcome, timeout: float
) -> tuple[str, int, list[str]]:
    """Move the serving alias when the canary reached 100%, else give the promoted alias back;
    tag the outcome either way. The final status, exit code and what happened, one line each."""
    from mlops_gate.deploy.gated import canary_tags, conclude

    promoted = outcome.status == "promoted"
    weights = [s.weight for s in outcome.steps]
    tags = canary_tags("local", outcome.status, outcome.message, weights)
    reason = f"local canary reached 100%: {outcome.message}" if promoted else None
    try:
        done = conclude(release, tags, move_reason=reason, timeout=timeout)
    except MlopsGateError as exc:  # the registry failed us: say what may not have happened
        lost = [f"{release.serving_label} and {release.promoted} may be unchanged: {exc}"]
        return ("error", 2, lost) if promoted else (outcome.status, outcome.exit_code, lost)
    if done.moved is not None:
        return outcome.status, outcome.exit_code, [done.moved.summary()]
    said = [done.refused or f"{release.serving_label} unchanged ({release.serving or 'unset'})"]
    if done.given_back is not None:
        said.append(done.given_back.summary())
    if done.refused is not None:
        return "error", 2, said
    return outcome.status, outcome.exit_code, said


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
