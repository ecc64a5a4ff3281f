"""The two sides of an LLM app's canary behind the router: one `llm_app` process per side.

A side is an LLM app, what a generation policy's `model` (the candidate) and `baseline` (the app
in production) describe: a prompt template and a model behind an OpenAI-compatible endpoint with
its params. A request to the router is an eval row, `{"id", "input", "context"}` (never the
`reference`), posted to `/generate`; each side renders it with its own template and calls its
own endpoint, so a new prompt, a new model and new params are all canaried the same way.

Starting a side means its process listening and its endpoint answering one real request (the
first of the replayed rows): an endpoint that is down, refuses the model or the token, or does not
answer within the deadline, stops the deploy before any traffic (`DeployError`, exit 2, one line
naming the side and the endpoint). During the canary the pairs of answers are scored by the
`AgreementMeter` (`llm_agreement.py`), when `analysis.min_agreement` is set.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mlops_gate.deploy.local.errors import DeployError
from mlops_gate.deploy.local.servers import get_json, wait_ready
from mlops_gate.deploy.local.snapshot import window_stats
from mlops_gate.fsutil import atomic_write_text

if TYPE_CHECKING:
    from mlops_gate.deploy.local.analysis import WindowStats
    from mlops_gate.deploy.local.llm_agreement import AgreementMeter
    from mlops_gate.deploy.local.servers import Process, Processes
    from mlops_gate.policy.generation import GenerationFields

GENERATE = "/generate"
ANSWER_MARGIN_S = 1.0  # an app gives up this long before the router stops waiting for it


@dataclass(frozen=True)
class LlmSide:
    """One LLM app: its generation settings (endpoint, model, params, retries, `api_key_env`),
    its template's text and the template file as the policy names it."""

    spec: GenerationFields
    template: str
    prompt: str

    def describe(self) -> str:
        return f"{self.spec.model} at {self.spec.endpoint}, prompt {self.prompt}"

    def config(self, deadline_s: float) -> dict[str, Any]:
        """What `llm_app.py` reads: no token, only the name of its variable."""
        spec = self.spec
        return {
            "endpoint": spec.endpoint,
            "model": spec.model,
            "params": dict(spec.params),
            "api_key_env": spec.api_key_env,
            "request_timeout_s": spec.request_timeout_s,
            "max_retries": spec.max_retries,
            "template": self.template,
            "deadline_s": deadline_s,
        }


def app_deadline(backend_timeout_s: float) -> float:
    """How long one request may take in an app (retries included), so that the app answers
    (a 502 with the reason) before the router's own timeout."""
    return max(0.5, backend_timeout_s - ANSWER_MARGIN_S)


class LlmApps:
    """`Upstreams` of a generation canary: `sides` by name (`stable`, `canary`)."""

    def __init__(
        self,
        sides: Mapping[str, LlmSide],
        first_request: Mapping[str, Any],
        *,
        backend_timeout_s: float,
        meter: AgreementMeter | None = None,
    ) -> None:
        self.sides = dict(sides)
        self.first_request = dict(first_request)
        self.backend_timeout_s = backend_timeout_s
        self.meter = meter

    @property
    def path(self) -> str:
        return GENERATE

    def start(self, processes: Processes, timeout: float) -> dict[str, Process]:
        deadline = app_deadline(self.backend_timeout_s)
        started = {}
        for name, side in self.sides.items():
            config = processes.log_dir / f"{name}.app.json"
            # Replaced, never written through a link planted under .mlops-gate/.
            atomic_write_text(config, json.dumps(side.config(deadline)))
            started[name] = processes.llm_app(name, config)
        wait_ready(list(started.values()), timeout)
        for name, process in started.items():
            self._first_answer(name, process)
        return started

    def _first_answer(self, name: str, process: Process) -> None:
        """The side answers one real request, or the deploy stops here (exit 2)."""
        code, answer = get_json(
            process.url, GENERATE, timeout=self.backend_timeout_s, body=self.first_request
        )
        if code == 200 and isinstance(answer, dict) and isinstance(answer.get("output"), str):
            return
        why = answer.get("error") if isinstance(answer, dict) else None
        why = why or (f"HTTP {code}" if code else f"no answer within {self.backend_timeout_s:g} s")
        side = self.sides[name]
        raise DeployError(
            f"the {name} endpoint {side.spec.endpoint} (model {side.spec.model}) does not "
            f"answer: {why}"
        )

    def stats_query(self) -> str:
        return self.meter.stats_query() if self.meter is not None else ""

    def measure(self, window: dict[str, Any]) -> WindowStats:
        stats = window_stats(window)
        if self.meter is None:
            return stats
        self.meter.feed(window)
        compared, agreed, details = self.meter.measure(int(window["id"]))
        return replace(
            stats,
            compared_rows=compared,
            agreed_rows=agreed,
            agreement_by=self.meter.by,
            agreement_details=details,
        )

    def problem(self) -> str | None:
        return self.meter.problem() if self.meter is not None else None

    def close(self) -> None:
        if self.meter is not None:
            self.meter.close()
