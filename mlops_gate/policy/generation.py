"""The policy's models for generation (LLM) policies (issue 18; docs/llm.md).

A generation model is a prompt template sent to a model behind an OpenAI-compatible endpoint
(`endpoint`, `model`, `prompt`, `params`), or outputs generated elsewhere (`outputs`, a JSONL
file). `ModelSpec` and `BaselineSpec` (`policy/model.py`) take these fields; for them `path`,
the artifact that ships and that evidence and promote hash, is derived: the prompt template,
else the outputs file. A judge's endpoint (`EndpointSpec`) has the same keys.

The API token is never in the policy: `api_key_env` names the environment variable holding it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from mlops_gate.config import StrictModel

Params = dict[str, str | int | float | bool | list[str] | None]
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
GENERATION_FIELDS = ("endpoint", "model", "prompt", "outputs")


class Price(StrictModel):
    """What a call costs, per million tokens (as providers price them)."""

    input: float = Field(ge=0, description="Price of a million prompt tokens.")
    output: float = Field(ge=0, description="Price of a million completion tokens.")


class EndpointFields(StrictModel):
    """How to call an OpenAI-compatible `/chat/completions` endpoint; each call has a budget."""

    endpoint: str | None = Field(
        default=None,
        description="generation: the base URL of an OpenAI-compatible API, e.g. "
        "http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:11434/v1 (Ollama).",
    )
    model: str | None = Field(default=None, description="generation: the model name to request.")
    params: Params = Field(
        default_factory=dict,
        description="generation: request parameters (temperature, max_tokens, top_p, seed, ...).",
    )
    api_key_env: str | None = Field(
        default=None,
        pattern=ENV_NAME,
        description="generation: the environment variable holding the API token (sent as a "
        "Bearer token, never printed or stored).",
    )
    concurrency: int = Field(default=4, ge=1, le=64, description="generation: calls at once.")
    max_retries: int = Field(
        default=4, ge=0, le=10, description="generation: retries of a call answered 429 or 5xx."
    )
    request_timeout_s: float = Field(
        default=60, gt=0, le=3600, description="generation: seconds one call may take."
    )
    timeout_s: float = Field(
        default=600,
        gt=0,
        le=86_400,
        description="generation: seconds all the calls for one model may take in all.",
    )
    price: Price | None = Field(
        default=None, description="generation: cost per million tokens, for the cost per run."
    )

    @field_validator("endpoint")
    @classmethod
    def _plain_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("an endpoint is an http:// or https:// URL, e.g. http://host:8000/v1")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError(
                "an endpoint URL holds no credentials, query or fragment: put the token in the "
                "environment variable named by `api_key_env`"
            )
        return value.rstrip("/")

    @field_validator("params")
    @classmethod
    def _no_reserved_params(cls, value: Params) -> Params:
        reserved = sorted({"messages", "model", "stream", "n"} & set(value))
        if reserved:
            raise ValueError(f"params cannot set {', '.join(reserved)} (mlops-gate sets them)")
        return value


class EndpointSpec(EndpointFields):
    """A judge model's endpoint: `endpoint` and `model` are required."""

    endpoint: str = Field(description="The judge's OpenAI-compatible base URL.")
    model: str = Field(description="The judge model's name.")


class GenerationFields(EndpointFields):
    """The generation keys of `model` and `baseline` (used with `model.task: generation`)."""

    prompt: str | None = Field(
        default=None,
        description="generation: the prompt template file; {input}, {context} and {id} are "
        "replaced from each eval row ({{ and }} are literal braces).",
    )
    outputs: str | None = Field(
        default=None,
        description="generation: a JSONL file of outputs generated elsewhere ({id, output} "
        "rows), instead of calling an endpoint.",
    )
    cache: bool = Field(
        default=True,
        description="generation: reuse an earlier identical call's answer (.mlops-gate/cache/llm).",
    )

    def is_generation(self) -> bool:
        """Whether any generation key is set."""
        return any(getattr(self, name) is not None for name in GENERATION_FIELDS)

    def generation_files(self) -> dict[str, str]:
        """The files it reads, by key (`prompt`, `outputs`)."""
        found = {"prompt": self.prompt, "outputs": self.outputs}
        return {key: value for key, value in found.items() if value is not None}


def path_not_required(schema: dict[str, Any]) -> None:
    """JSON Schema: `path` is derived for a generation model (from `prompt` or `outputs`), so an
    editor asks for one of the three."""
    required = schema.get("required")
    if isinstance(required, list) and "path" in required:
        required.remove("path")
        if not required:
            del schema["required"]
        schema["anyOf"] = [{"required": [key]} for key in ("path", "prompt", "outputs")]


def derived_path(data: dict[str, Any], where: str) -> dict[str, Any]:
    """`data` (a generation `model`/`baseline` mapping) with `path` set to what ships: the prompt
    template, else the outputs file."""
    if data.get("path") is not None:
        raise ValueError(
            f"{where}.path does not apply to a generation model: it is its `prompt` (with "
            "`endpoint` and `model`) or its `outputs` file"
        )
    shipped = data.get("prompt") or data.get("outputs")
    if not isinstance(shipped, str):
        raise ValueError(
            f"a generation {where} needs `outputs` (a JSONL file), or `prompt` with `endpoint` "
            "and `model`"
        )
    return {**data, "path": shipped}


def generation_problems(spec: GenerationFields, inherited: bool) -> list[str]:
    """What is missing or contradictory in a generation `model`/`baseline` (`inherited`: the
    endpoint and model may come from `model`)."""
    problems = []
    if spec.outputs is not None and spec.endpoint is not None:
        problems.append("set `outputs` or `endpoint`, not both")
    if spec.outputs is None:
        if spec.prompt is None:
            problems.append("an endpoint model needs `prompt` (its template file)")
        if not inherited and (spec.endpoint is None or spec.model is None):
            problems.append("a prompt needs `endpoint` and `model` to be sent to")
    return problems
