"""`assertions` gate: every generated output must hold each check; gate on the share that does.

Checks (one key each, gates/assertion_checks.py): `contains`, `not_contains` (lists of
strings), `regex`, `not_regex`, `json_schema` (a JSON Schema file; the output must be JSON
valid under it), `max_chars`, `min_chars`, `no_pii: true` (e-mail, phone and Luhn-valid card
numbers; limits in docs/llm.md) and `canary` (a prompt-injection marker planted in the eval
rows' `context` that must never appear in the output).

value = the share of rows passing every check; fail below `min_pass_rate` (default 1: all).
details: rows failed per check, and each failing row's id with the check and why (escaped by
every reporter). error, never pass: a row without an output, fewer rows than `min_rows`, an
unreadable or invalid schema, a `canary` that no row's context holds (the check would be empty).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mlops_gate.config import StrictModel
from mlops_gate.gates.base import GateConfig, is_below

if TYPE_CHECKING:
    from mlops_gate.gates.assertion_checks import Check
    from mlops_gate.gates.context import GateContext
    from mlops_gate.gates.generation import GenerationSet, GenerationSource
    from mlops_gate.results import GateResult

KINDS = (
    "contains",
    "not_contains",
    "regex",
    "not_regex",
    "json_schema",
    "max_chars",
    "min_chars",
    "no_pii",
    "canary",
)


class AssertionCheck(StrictModel):
    """One check: exactly one of its kinds, e.g. `{not_contains: ["As an AI"]}`."""

    contains: list[str] | None = Field(default=None, min_length=1, description="All must appear.")
    not_contains: list[str] | None = Field(
        default=None, min_length=1, description="None may appear."
    )
    regex: str | None = Field(default=None, description="Must match (re.search).")
    not_regex: str | None = Field(default=None, description="Must not match (re.search).")
    json_schema: str | None = Field(
        default=None, description="A JSON Schema file the output (as JSON) must be valid under."
    )
    max_chars: int | None = Field(default=None, ge=0, description="At most this many characters.")
    min_chars: int | None = Field(default=None, ge=0, description="At least this many characters.")
    no_pii: Literal[True] | None = Field(
        default=None, description="No e-mail address, phone number or card number."
    )
    canary: str | None = Field(
        default=None,
        min_length=4,
        description="A marker planted in the eval rows' context that must not appear in outputs.",
    )
    ignore_case: bool = Field(default=False, description="contains, not_contains, regex: any case.")

    @model_validator(mode="after")
    def _one_kind(self) -> AssertionCheck:
        kinds = [kind for kind in KINDS if getattr(self, kind) is not None]
        if len(kinds) != 1:
            raise ValueError(f"set exactly one of {', '.join(KINDS)} (got {len(kinds)})")
        for kind in ("regex", "not_regex"):
            pattern = getattr(self, kind)
            if pattern is not None:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"{kind}: not a regular expression: {exc}") from None
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in KINDS if getattr(self, kind) is not None)


class Config(GateConfig):
    """Every output must hold every check; the gate is on the share of rows that do."""

    type: Literal["assertions"]
    checks: list[AssertionCheck] = Field(min_length=1, description="The checks, each one key.")
    min_pass_rate: float = Field(
        default=1.0, ge=0, le=1, description="Fail when fewer rows than this share pass them all."
    )
    min_rows: int = Field(default=1, ge=1, description="Fewer eval rows is an error.")
    max_failures_shown: int = Field(
        default=20, ge=0, le=1000, description="Failing rows listed in the details."
    )

    requires = frozenset({"model", "eval"})

    def default_id(self) -> str:
        return "assertions"

    def input_paths(self) -> dict[str, str]:
        return {
            f"checks[{index}].json_schema": check.json_schema
            for index, check in enumerate(self.checks)
            if check.json_schema is not None
        }

    def policy_problems(self, policy: Any) -> list[tuple[str, str]]:
        if policy.model is not None and policy.model.task != "generation":
            return [("type", "assertions check generated text: set model.task: generation")]
        return []


def evaluate(config: Config, context: GateContext) -> GateResult:
    """Run every check on every output; pass when the passing share reaches `min_pass_rate`."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.generation import provenance_details
    from mlops_gate.results import GateResult, Verdict

    source = context.generation()
    outputs = source.outputs("model")
    if len(outputs.rows) < config.min_rows:
        raise GateError(f"{len(outputs.rows)} eval rows, fewer than min_rows {config.min_rows}")
    checks = [(_label(i, c), _compiled(c, source, outputs)) for i, c in enumerate(config.checks)]
    failures, per_check, passed = _run(checks, outputs)
    rate = passed / len(outputs.rows)
    failed = is_below(rate, config.min_pass_rate)
    details: dict[str, Any] = {
        "rows": len(outputs.rows),
        "passed_rows": passed,
        "failed_per_check": per_check,
        "failures": failures[: config.max_failures_shown],
        "generation": provenance_details(context, with_baseline=False),
    }
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=Verdict.FAIL if failed else Verdict.PASS,
        value=rate,
        threshold=config.min_pass_rate,
        message=_message(config, passed, len(outputs.rows), per_check, failed),
        details=details,
    )


def _message(
    config: Config, passed: int, rows: int, per_check: dict[str, int], failed: bool
) -> str:
    summary = f"{passed} of {rows} outputs hold every check ({passed / rows:.1%})"
    worst = max(per_check, key=lambda k: per_check[k])
    note = f"; most failed: {worst} ({per_check[worst]} rows)" if per_check[worst] else ""
    return f"{summary}, {'below' if failed else 'at least'} min_pass_rate {config.min_pass_rate:g}{note}"


def _label(index: int, check: AssertionCheck) -> str:
    return f"{index}:{check.kind}"


def _compiled(check: AssertionCheck, source: GenerationSource, outputs: GenerationSet) -> Check:
    from mlops_gate import errors
    from mlops_gate.gates import assertion_checks as checks

    kind, fold = check.kind, check.ignore_case
    if check.contains is not None:
        return checks.contains(check.contains, fold)
    if check.not_contains is not None:
        return checks.not_contains(check.not_contains, fold)
    if check.regex is not None or check.not_regex is not None:
        return checks.regex(check.regex or check.not_regex or "", fold, negate=kind == "not_regex")
    if check.max_chars is not None:
        return checks.length(check.max_chars, at_most=True)
    if check.min_chars is not None:
        return checks.length(check.min_chars, at_most=False)
    if check.canary is not None:
        if not any(row.context and check.canary in row.context for row in outputs.rows):
            raise errors.GateError(
                "canary: no eval row's `context` holds the marker, so the check tests nothing"
            )
        return checks.canary(check.canary)
    if check.json_schema is not None:
        return _schema_check(check.json_schema, source)
    return checks.no_pii


def _schema_check(path: str, source: GenerationSource) -> Check:
    from mlops_gate.errors import DependencyError, GateError
    from mlops_gate.gates import assertion_checks as checks

    try:
        from jsonschema.exceptions import SchemaError
    except ImportError:
        raise DependencyError(
            "json_schema needs jsonschema: pip install 'mlops-gate[llm]'"
        ) from None
    schema = source.read_json(path, "JSON Schema")
    try:
        from jsonschema.validators import validator_for

        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        raise GateError(f"{path}: not a valid JSON Schema: {exc.message}") from None
    return checks.json_schema(schema)


def _run(
    checks: list[tuple[str, Check]], outputs: GenerationSet
) -> tuple[list[dict[str, str]], dict[str, int], int]:
    """Failing (row, check, why) entries, rows failed per check, rows passing every check."""
    failures: list[dict[str, str]] = []
    per_check = {label: 0 for label, _ in checks}
    passed = 0
    for row, text in zip(outputs.rows, outputs.outputs, strict=True):
        ok = True
        for label, check in checks:
            why = check(text, row)
            if why is not None:
                ok = False
                per_check[label] += 1
                failures.append({"id": row.id, "check": label, "why": why})
        passed += ok
    return failures, per_check, passed


# Report pieces, found by name by the reporters (mlops_gate/reports/pieces.py).

VIEW = "mlops_gate.gates.views.assertions"
"""Where reports/pieces.py finds this gate's charts, breakdown and facts."""
