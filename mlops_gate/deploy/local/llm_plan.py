"""What the canary of an LLM app needs from a generation policy, read and checked before it starts.

- the canary side: `model` (the candidate: its prompt, endpoint, model and params);
- the stable side: `baseline`, the app in production (its prompt; its endpoint, model and params,
  or the model's where it sets none: `engine.generation.generation_spec`, as the check reads
  them); no baseline at all is a first deploy. A side that is an `outputs` file has no app to
  serve and is refused;
- the traffic: the eval rows (`deploy.canary.requests`, else `data.eval`; the same JSONL reader as
  the check's), sent as `{"id", "input", "context"}`, never with the `reference`;
- the judge of `analysis.agreement.judge`: that `judge` gate of the policy, its rubric read.

Every problem is one line (`DeployError`, or the loaders' `InputError`), exit 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlops_gate.deploy.local.errors import DeployError
from mlops_gate.deploy.local.llm_upstreams import LlmSide

if TYPE_CHECKING:
    from mlops_gate.deploy.local.llm_agreement import Judge
    from mlops_gate.gates.generation import EvalRow, Role
    from mlops_gate.policy.deploy import CanarySpec
    from mlops_gate.policy.loader import LoadedPolicy


@dataclass(frozen=True)
class LlmCanaryPlan:
    spec: CanarySpec
    canary: LlmSide
    stable: LlmSide | None
    """None: no baseline, nothing serves yet (a first deploy)."""
    rows: tuple[EvalRow, ...]
    judge: Judge | None = None

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The rows as requests to the router: what a client of the app sends."""
        return [request_body(row) for row in self.rows]

    def rows_by_id(self) -> dict[str, EvalRow]:
        return {row.id: row for row in self.rows}


def request_body(row: EvalRow) -> dict[str, Any]:
    body: dict[str, Any] = {"id": row.id, "input": row.input}
    if row.context is not None:
        body["context"] = row.context
    return body


def is_generation(loaded: LoadedPolicy) -> bool:
    model = loaded.policy.model
    return model is not None and model.task == "generation"


def plan_llm_canary(loaded: LoadedPolicy, spec: CanarySpec) -> LlmCanaryPlan:
    """The sides, the rows and the judge of `spec` (the policy's `deploy.canary`)."""
    from mlops_gate.llm.files import eval_rows

    policy = loaded.policy
    source = spec.requests or policy.data.eval
    if source is None:
        raise DeployError("a local canary replays data.eval (or deploy.canary.requests): set one")
    rows = eval_rows(loaded.resolve(source))
    stable = _side(loaded, "baseline") if policy.baseline is not None else None
    judge = None
    agreement = spec.analysis.agreement
    if agreement is not None and agreement.judge is not None:
        judge = _judge(loaded, agreement.judge)
    return LlmCanaryPlan(spec, _side(loaded, "model"), stable, rows, judge)


def _side(loaded: LoadedPolicy, role: Role) -> LlmSide:
    from mlops_gate.engine.generation import connection_for, generation_spec
    from mlops_gate.errors import GateError
    from mlops_gate.llm.prompt import check_template
    from mlops_gate.loaders.text_files import read_text

    try:
        spec = generation_spec(loaded.policy, role)
        if spec.outputs is not None or spec.prompt is None:
            raise GateError(
                f"{spec.outputs} is an outputs file, not an app: the canary needs the "
                f"{role}'s prompt and endpoint to send live requests to"
            )
        connection_for(spec)  # the endpoint and model are set, the token's variable too
    except GateError as exc:
        raise DeployError(f"{role}: {exc}") from None
    path = loaded.resolve(spec.prompt)
    template = read_text(path, "prompt template")
    check_template(template, path)
    return LlmSide(spec, template, spec.prompt)


def _judge(loaded: LoadedPolicy, gate_id: str) -> Judge:
    from mlops_gate.deploy.local.llm_agreement import Judge
    from mlops_gate.gates.judge import Config as JudgeConfig
    from mlops_gate.loaders.text_files import read_text

    found = [g for g in loaded.policy.gates if g.gate_id == gate_id]
    if not found or not isinstance(found[0], JudgeConfig):
        judges = [g.gate_id for g in loaded.policy.gates if isinstance(g, JudgeConfig)]
        known = f"the judge gates are {', '.join(judges)}" if judges else "it has no judge gate"
        raise DeployError(
            f"deploy.canary.analysis.agreement.judge: `{gate_id}` is not a judge gate of the "
            f"policy ({known})"
        )
    config = found[0]
    rubric = read_text(loaded.resolve(config.rubric), "rubric")
    if not rubric.strip():
        raise DeployError(f"{config.rubric}: the rubric is empty")
    return Judge(config, rubric)
