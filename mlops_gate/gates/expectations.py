"""`expectations` gate: a Great Expectations suite and/or inline expectations on a data set.

GX expectations run through Great Expectations in one validation; the few checks GX lacks run in
`mlops_gate.expectations.custom`. Both are imported inside `evaluate` (GX alone takes seconds).
value = number of failed expectations, threshold = 0. See docs/expectations.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import Field, field_validator, model_validator

from mlops_gate.gates.base import GateConfig

if TYPE_CHECKING:
    from mlops_gate.expectations import Expectation, Outcome
    from mlops_gate.gates.context import GateContext
    from mlops_gate.results import GateResult


class Config(GateConfig):
    """Every expectation must hold; each one is an entry in the result's details."""

    start_first = (
        True  # Great Expectations' seconds-long import overlaps the loading of data and models
    )

    type: Literal["expectations"]
    data: Literal["eval", "reference"] = Field(
        default="eval", description="Which data set to check."
    )
    suite: str | None = Field(default=None, description="A Great Expectations suite JSON file.")
    expect: list[dict[str, dict[str, Any]]] = Field(
        default_factory=list,
        description=(
            "Inline expectations: `{expect_column_values_to_not_be_null: {column: id}}` each."
        ),
    )

    def default_id(self) -> str:
        return f"expectations:{self.data}"

    def input_paths(self) -> dict[str, str]:
        return {"suite": self.suite} if self.suite else {}

    def required_inputs(self) -> frozenset[str]:
        return frozenset({self.data})

    @field_validator("expect")
    @classmethod
    def _one_key_each(
        cls, value: list[dict[str, dict[str, Any]]]
    ) -> list[dict[str, dict[str, Any]]]:
        for item in value:
            if len(item) != 1:
                raise ValueError(
                    "each inline expectation is a mapping with exactly one key, "
                    "the expectation type"
                )
        return value

    @model_validator(mode="after")
    def _something_to_check(self) -> Config:
        if self.suite is None and not self.expect:
            raise ValueError("set `suite`, `expect` or both")
        return self


MESSAGE_LIMIT = 5  # failing expectations named in the message; the rest are counted


def evaluate(config: Config, context: GateContext) -> GateResult:
    """Check every expectation (suite first, then inline) on `context.dataset(config.data)`."""
    from mlops_gate.errors import GateError
    from mlops_gate.expectations.custom import CUSTOM_TYPES, run_custom
    from mlops_gate.expectations.suite import check_known, load_expectations

    suite = context.resolve(config.suite) if config.suite is not None else None
    expectations = load_expectations(suite, config.expect)
    if not expectations:  # an empty suite and no inline list: zero checks prove nothing
        raise GateError(f"{suite}: the suite has no expectations")
    gx_positions = [i for i, e in enumerate(expectations) if e.type not in CUSTOM_TYPES]
    custom_positions = [i for i, e in enumerate(expectations) if e.type in CUSTOM_TYPES]
    if gx_positions:
        from mlops_gate.expectations import gx_runner

        check_known(expectations, CUSTOM_TYPES | gx_runner.expectation_types())
    frame, counts, rows = _data(config, context)
    # Custom checks first: they are cheap, so their kwargs errors surface before GX's run.
    outcomes = dict(
        zip(custom_positions, run_custom(counts, _at(expectations, custom_positions)), strict=True)
    )
    if gx_positions:
        chosen = _at(expectations, gx_positions)
        hook = context.engine_hook("expectations.validate")  # Spark: under the check's deadline
        found = hook(config, context, frame, chosen) if hook else gx_runner.validate(frame, chosen)
        outcomes.update(zip(gx_positions, found, strict=True))
    ordered = [outcomes[i] for i in range(len(expectations))]
    return _result(config, ordered, rows=rows)


def _data(config: Config, context: GateContext) -> tuple[Any, Any, int]:
    """(the frame GX validates, what the custom checks count, its rows) on the context's engine.

    On Spark the table never comes to the driver: the engine's step returns the DataFrame GX's
    Spark datasource validates and aggregations for the custom checks (issue 15).
    """
    if (hook := context.engine_hook("expectations.data")) is not None:  # engine/data/hooks.py
        return cast(tuple[Any, Any, int], hook(config, context))
    _refuse_streamed(config, context)
    frame = context.dataset(config.data)
    return frame, frame, len(frame)


def _refuse_streamed(config: Config, context: GateContext) -> None:
    """An `error`, never an out-of-memory crash or a silent pass, on a data set too large to load.

    Great Expectations validates a pandas DataFrame held whole in memory; a Parquet file above the
    streaming threshold (docs/performance.md) is never loaded whole, so its suite is not run.
    """
    from mlops_gate.errors import GateError
    from mlops_gate.loaders.data import stream_threshold

    source = context.source(config.data)
    if source is None:
        return
    size = source.path.stat().st_size
    raise GateError(
        f"{source.path}: {size / 2**30:.1f} GiB, {source.num_rows:,} rows, is above the "
        f"in-memory limit for expectations (MLOPS_GATE_STREAM_BYTES={stream_threshold()}): Great "
        "Expectations validates a whole DataFrame; validate a sample or a partition of the data "
        "(see docs/performance.md)"
    )


def _at(items: list[Expectation], positions: list[int]) -> list[Expectation]:
    return [items[i] for i in positions]


def _result(config: Config, outcomes: list[Outcome], rows: int) -> GateResult:
    from mlops_gate.results import GateResult, Verdict

    failed = [o.expectation for o in outcomes if not o.success]
    verdict = Verdict.FAIL if failed else Verdict.PASS
    if failed:
        named = ", ".join(e.label() for e in failed[:MESSAGE_LIMIT])
        more = f" and {len(failed) - MESSAGE_LIMIT} more" if len(failed) > MESSAGE_LIMIT else ""
        message = (
            f"{len(failed)} of {len(outcomes)} expectations failed on {config.data}: {named}{more}"
        )
    else:
        message = f"all {len(outcomes)} expectations met on {config.data} ({rows:,} rows)"
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=verdict,
        value=float(len(failed)),
        threshold=0.0,
        message=message,
        details={
            "comparator": "≤",
            "data": config.data,
            "rows": rows,
            "suite": config.suite,  # as written: resolved paths differ between machines
            "expectations": [o.to_json() for o in outcomes],
        },
    )


def import_libraries(config: Config) -> None:
    """Import Great Expectations before the runner starts threads (engine/runner.py): its import
    holds the GIL for seconds; beside other gates it made --jobs 2 1.23-1.49x slower (issue 16).
    Only where GX really runs: the custom checks alone never import it."""
    from mlops_gate.expectations.custom import CUSTOM_TYPES

    if config.suite is not None or any(next(iter(e)) not in CUSTOM_TYPES for e in config.expect):
        from mlops_gate.expectations import gx_runner

        gx_runner.expectation_types()


VIEW = "mlops_gate.gates.views.expectations"
"""Where reports/pieces.py finds this gate's charts, breakdown and facts."""
