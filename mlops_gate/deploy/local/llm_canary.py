"""The local canary of an LLM app: the same run as a model's (`run.CanaryRun`), two LLM apps behind
the router (`llm_upstreams.LlmApps`), the eval rows replayed as traffic.

The steps, the router, the rollback and every criterion of a model's canary hold as they are
(error rate, p95, p95 ratio: per request to each app, the endpoint's time included);
`min_agreement` compares the two apps' answers to the same request by `analysis.agreement`
(`llm_agreement.py`). Every canary answer is mirrored to stable unless `settings` say otherwise:
LLM traffic is slow and the agreement needs 20 pairs a step. A router call to an app waits for the
sides' `request_timeout_s` (the longer) plus a second; the app gives up a second before that.
With no baseline (a first deploy) the candidate's app is smoke-tested alone, then takes 100%.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlops_gate.deploy.local import state
from mlops_gate.deploy.local.errors import DeployError
from mlops_gate.deploy.local.llm_upstreams import ANSWER_MARGIN_S, GENERATE, LlmApps, LlmSide
from mlops_gate.deploy.local.run import CanaryRun, Settings
from mlops_gate.deploy.local.servers import get_json
from mlops_gate.deploy.local.traffic import RequestCounts
from mlops_gate.fsutil import make_folders

if TYPE_CHECKING:
    from pathlib import Path

    from mlops_gate.deploy.local.llm_plan import LlmCanaryPlan
    from mlops_gate.deploy.local.outcome import CanaryEvent, CanaryOutcome
    from mlops_gate.policy.deploy import CanarySpec

SMOKE_REQUESTS = 20  # a first deploy's smoke test: this many eval rows, one call each


def llm_settings(sides: Sequence[LlmSide]) -> Settings:
    """The defaults for LLM apps (see the module docstring)."""
    longest = max(side.spec.request_timeout_s for side in sides)
    return Settings(mirror_share=1.0, backend_timeout_s=longest + ANSWER_MARGIN_S)


def run_llm_canary(
    plan: LlmCanaryPlan,
    *,
    state_dir: Path,
    on_event: Callable[[CanaryEvent], None] | None = None,
    settings: Settings | None = None,
) -> CanaryOutcome:
    """The canary of `plan.canary` against `plan.stable` (which must be set) on 127.0.0.1.

    Raises `DeployError` when it cannot start (a side whose endpoint does not answer, a canary
    already running on `state_dir`); once started, every ending is an outcome, and every process
    it started is stopped before it returns."""
    from mlops_gate.deploy.local.llm_agreement import AgreementMeter, scorer_for

    spec = plan.spec
    if spec.target != "local" or plan.stable is None:
        raise DeployError("run_llm_canary runs target `local` against a stable app")
    sides = {"stable": plan.stable, "canary": plan.canary}
    settings = settings or llm_settings(list(sides.values()))
    meter = None
    agreement = spec.analysis.agreement
    if spec.analysis.min_agreement is not None and agreement is not None:
        meter = AgreementMeter(agreement.by, scorer_for(agreement, plan.rows_by_id(), plan.judge))
    apps = LlmApps(
        sides, plan.requests[0], backend_timeout_s=settings.backend_timeout_s, meter=meter
    )
    return _run(plan, apps, spec, state_dir, on_event, settings).execute()


def first_llm_deploy(
    plan: LlmCanaryPlan,
    *,
    state_dir: Path,
    on_event: Callable[[CanaryEvent], None] | None = None,
    settings: Settings | None = None,
) -> CanaryOutcome:
    """No app serves yet: the candidate's app alone answers `SMOKE_REQUESTS` eval rows (each
    with 200 and an answer), then takes 100%; `rolled_back` (it never took traffic) if not."""
    settings = settings or llm_settings([plan.canary])
    apps = LlmApps(
        {"canary": plan.canary}, plan.requests[0], backend_timeout_s=settings.backend_timeout_s
    )
    spec = plan.spec.model_copy(update={"steps": [100]})
    bodies = plan.requests[:SMOKE_REQUESTS]
    run = _run(plan, apps, spec, state_dir, on_event, settings)
    return run.first_deploy(
        lambda url: llm_smoke_test(url, bodies, timeout=settings.backend_timeout_s)
    )


def llm_smoke_test(
    url: str, requests: Sequence[Mapping[str, Any]], *, timeout: float
) -> tuple[RequestCounts, str | None]:
    """Each request answered 200 with an `output` text: the counts and the first problem found."""
    sent = answered = 0
    for body in requests:
        code, answer = get_json(url, GENERATE, timeout=timeout, body=body)
        sent += 1
        if code != 200 or not isinstance(answer, dict) or not isinstance(answer.get("output"), str):
            why = answer.get("error") if isinstance(answer, dict) else None
            row = repr(body.get("id"))[:40]
            problem = f"{GENERATE} answered {code or 'nothing'} to row {row}: {why or 'no output'}"
            return RequestCounts(sent, answered, sent - answered), problem
        answered += 1
    if sent == 0:
        return RequestCounts(), "no request to send (data.eval or deploy.canary.requests is empty)"
    return RequestCounts(sent, answered, 0), None


def _run(
    plan: LlmCanaryPlan,
    apps: LlmApps,
    spec: CanarySpec,
    state_dir: Path,
    on_event: Callable[[CanaryEvent], None] | None,
    settings: Settings,
) -> CanaryRun:
    make_folders(state_dir)
    state.claim(state_dir)
    return CanaryRun(
        spec=spec,
        upstreams=apps,
        features=[],
        requests=plan.requests,
        reference=None,
        state_dir=state_dir,
        on_event=on_event or _ignore,
        settings=settings,
        pid=os.getpid(),
        started_at=time.time(),
    )


def _ignore(event: CanaryEvent) -> None:
    """The default `on_event`: library callers that only want the outcome."""
