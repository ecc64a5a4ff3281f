"""`expectations` gate: a Great Expectations suite and/or inline expectations on a data set."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator, model_validator

from mlops_gate.gates.base import GateConfig

if TYPE_CHECKING:
    from mlops_gate.context import EvaluationContext
    from mlops_gate.results import GateResult


class Config(GateConfig):
    """Every expectation must hold; each one is an entry in the result's details."""

    type: Literal["expectations"]
    data: Literal["eval", "reference"] = "eval"
    suite: str | None = Field(default=None, description="A Great Expectations suite JSON file.")
    expect: list[dict[str, dict[str, Any]]] = Field(
        default_factory=list,
        description="Inline expectations: `{expect_column_values_to_not_be_null: {column: id}}` each.",
    )

    def default_id(self) -> str:
        return f"expectations:{self.data}"

    def required_inputs(self) -> frozenset[str]:
        return frozenset({self.data})

    @field_validator("expect")
    @classmethod
    def _one_key_each(cls, value: list[dict[str, dict[str, Any]]]) -> list[dict[str, dict[str, Any]]]:
        for item in value:
            if len(item) != 1:
                raise ValueError("each inline expectation is a mapping with exactly one key, the expectation type")
        return value

    @model_validator(mode="after")
    def _something_to_check(self) -> Config:
        if self.suite is None and not self.expect:
            raise ValueError("set `suite`, `expect` or both")
        return self


def evaluate(config: Config, context: EvaluationContext) -> GateResult:
    raise NotImplementedError
