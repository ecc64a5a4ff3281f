"""How the evaluation context gets generated outputs for `model.task: generation` (issue 18).

`Generation` is the engine's `GenerationSource` (gates/generation.py): the eval rows, each
model's outputs (from its `outputs` file, or its prompt sent to its endpoint, every call cached
by content hash: llm/cache.py), the judge's calls, and the files the LLM gates read. Rows and
outputs are matched by `id`: a row without an output (missing from the file, or a call that
failed after its retries) and an output for an id the eval set lacks are errors, never a
dropped row. Everything is computed once per check, however many gates ask.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate import paths
from mlops_gate.engine.memo import Memo
from mlops_gate.errors import GateError
from mlops_gate.fsutil import atomic_write_bytes
from mlops_gate.gates.generation import EvalRow, GenerationSet, Reply, Role, name_ids
from mlops_gate.policy.generation import EndpointFields, GenerationFields

if TYPE_CHECKING:
    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.llm.client import Connection
    from mlops_gate.policy.generation import EndpointSpec
    from mlops_gate.policy.model import Policy


class Generation:
    """Outputs, judge calls and the gates' files for one check (see the module docstring)."""

    def __init__(self, context: EvaluationContext, cache_dir: Path | None = paths.LLM_CACHE):
        self.context = context
        self.cache_dir = cache_dir
        self._memo = Memo()

    # -- files --------------------------------------------------------------------------------------
    def read_text(self, path: str, what: str) -> str:
        from mlops_gate.loaders.text_files import read_text

        return read_text(self.context.resolve(path), what)

    def read_rows(self, path: str, what: str) -> list[dict[str, Any]]:
        from mlops_gate.loaders.text_files import read_jsonl

        return self._memo.once(("rows", path), lambda: read_jsonl(self.context.resolve(path), what))

    def read_json(self, path: str, what: str) -> Any:
        from mlops_gate.loaders.text_files import read_json

        return self._memo.once(("json", path), lambda: read_json(self.context.resolve(path), what))

    def eval_rows(self) -> tuple[EvalRow, ...]:
        from mlops_gate.llm.files import eval_rows

        return self._memo.once(("eval",), lambda: eval_rows(self._eval_path()))

    def _eval_path(self) -> Path:
        if self.context.policy.data.eval is None:
            raise GateError("data.eval is not set: generation gates need an eval set (JSONL)")
        return self.context.resolve(self.context.policy.data.eval)

    # -- outputs ------------------------------------------------------------------------------------
    def outputs(self, role: Role = "model") -> GenerationSet:
        return self._memo.once(("outputs", role), lambda: self._generate(role))

    def _generate(self, role: Role) -> GenerationSet:
        from mlops_gate.llm.provenance import describe, file_entry, outputs_jsonl

        spec = generation_spec(self.context.policy, role)
        rows = self.eval_rows()
        eval_path = self._eval_path()
        files = {"eval": file_entry(eval_path, str(self.context.policy.data.eval))}
        if spec.outputs is not None:
            replies = self._from_file(spec.outputs, rows)
            files["outputs"] = file_entry(self.context.resolve(spec.outputs), spec.outputs)
        else:
            replies = self._from_endpoint(spec, rows, role)
        if spec.prompt is not None:
            files["prompt"] = file_entry(self.context.resolve(spec.prompt), spec.prompt)
        texts = _complete(rows, replies, role)
        data = outputs_jsonl(rows, texts)
        provenance = describe(spec, files, replies, data)
        if spec.outputs is None:
            provenance["written_to"] = str(self._write_outputs(role, data))
        return GenerationSet(role, rows, tuple(texts), provenance, tuple(replies))

    def _from_file(self, outputs: str, rows: Sequence[EvalRow]) -> list[Reply]:
        from mlops_gate.llm.files import output_texts

        path = self.context.resolve(outputs)
        found = output_texts(path)
        unknown = sorted(set(found) - {row.id for row in rows})
        if unknown:
            raise GateError(f"{path}: outputs for ids not in the eval set: {name_ids(unknown)}")
        missing = "no output for this id in " + str(path)
        return [Reply(found[row.id]) if row.id in found else Reply(None, missing) for row in rows]

    def _from_endpoint(
        self, spec: GenerationFields, rows: Sequence[EvalRow], role: Role
    ) -> list[Reply]:
        from mlops_gate.llm.prompt import check_template, render
        from mlops_gate.loaders.text_files import read_text

        assert spec.prompt is not None  # the policy model requires it without `outputs`
        path = self.context.resolve(spec.prompt)
        template = read_text(path, "prompt template")
        check_template(template, path)
        prompts = [render(template, row) for row in rows]
        return self._call(spec, prompts, f"generating {role} outputs", cached=spec.cache)

    def _write_outputs(self, role: Role, data: bytes) -> Path:
        """The generated outputs as an `outputs:` file, for review or to pin a run."""
        path = paths.LLM_OUTPUTS / f"{self.context.policy.name}.{role}.outputs.jsonl"
        atomic_write_bytes(path, data)
        return path

    # -- calls --------------------------------------------------------------------------------------
    def ask(self, endpoint: EndpointSpec, prompts: Sequence[str], what: str) -> list[Reply]:
        return self._call(endpoint, prompts, what, cached=True)

    def _call(
        self, spec: EndpointFields, prompts: Sequence[str], what: str, *, cached: bool
    ) -> list[Reply]:
        from mlops_gate.deadline import Deadline
        from mlops_gate.llm.batch import run_calls
        from mlops_gate.llm.cache import CallCache

        connection = connection_for(spec)
        cache = CallCache(self.cache_dir) if cached and self.cache_dir is not None else None
        with self.context.progress.task(what, total=len(prompts)) as advance:
            return run_calls(
                connection,
                prompts,
                cache=cache,
                concurrency=spec.concurrency,
                deadline=Deadline(spec.timeout_s),
                advance=advance,
            )


def generation_spec(policy: Policy, role: Role) -> GenerationFields:
    """The generation settings of `role`; a prompt-only baseline calls the model's endpoint."""
    model = policy.model
    if model is None or model.task != "generation":
        raise GateError("generation gates need `model.task: generation` (docs/llm.md)")
    if role == "model":
        return model
    baseline = policy.baseline
    if baseline is None:
        raise GateError("the policy has no `baseline` to compare with")
    if baseline.outputs is not None or baseline.endpoint is not None:
        return baseline
    inherited = {
        name: getattr(model, name)
        for name in EndpointFields.model_fields
        if name not in baseline.model_fields_set
    }
    return baseline.model_copy(update=inherited)


def connection_for(spec: EndpointFields) -> Connection:
    """The endpoint's settings with its token read from `api_key_env` (never from the policy)."""
    from mlops_gate.llm.client import Connection

    if spec.endpoint is None or spec.model is None:
        raise GateError("no endpoint to call: set `endpoint` and `model`")
    token = None
    if spec.api_key_env is not None:
        token = os.environ.get(spec.api_key_env)
        if not token:
            raise GateError(f"the environment variable {spec.api_key_env} (api_key_env) is not set")
    return Connection(
        endpoint=spec.endpoint,
        model=spec.model,
        params=dict(spec.params),
        token=token,
        request_timeout_s=spec.request_timeout_s,
        max_retries=spec.max_retries,
    )


def _complete(rows: Sequence[EvalRow], replies: Sequence[Reply], role: Role) -> list[str]:
    """Every row's output text; a GateError naming the rows without one and why."""
    failed = [
        (row.id, reply.error)
        for row, reply in zip(rows, replies, strict=True)
        if reply.text is None
    ]
    if failed:
        shown = "; ".join(f"{key!r}: {why}" for key, why in failed[:3])
        more = f" (and {len(failed) - 3} more)" if len(failed) > 3 else ""
        raise GateError(f"{len(failed)} of {len(rows)} {role} outputs are missing: {shown}{more}")
    return [reply.text or "" for reply in replies]
