"""All Great Expectations use: validate one DataFrame against a list of GX expectations.

The DataFrame is pandas', or Spark's (the Spark data engine, issue 15): GX's Spark datasource
then computes every metric as Spark aggregations on the executors, and only results come back.

GX is imported here, lazily, and only when a gate has GX expectations to check: the import alone
takes ~3-4 s (STYLE.md). It runs in-process on an ephemeral context (nothing written to disk),
with analytics and progress bars off, because the gate must print nothing of its own.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import GateError
from mlops_gate.expectations import ENGINE_GX, Expectation, Outcome

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame as SparkFrame

    Frame = pd.DataFrame | SparkFrame

# GX keeps its "current" data context in a process-wide global (set by `_context`, read by
# suites and expectations), so two validations in threads would swap contexts under each other:
# validations run one at a time (gates may run in threads, runner.py).
_ONE_VALIDATION = threading.Lock()
INDEX = "mlops_gate_index"  # kept in each expectation's meta to find its result again
# Fields GX ignores when it decides two expectations in a suite are the same one.
_NOT_IDENTITY = {"id", "rendered_content", "notes", "meta"}
PYSPARK_PANDAS_WARNING = "PySpark does not yet fully support pandas"


def _gx() -> Any:
    """The `great_expectations` module, imported quietly."""
    # Older 1.x releases send usage analytics unless this is set before the import.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # GX logs warnings with no handler of its own; without this, Python's last-resort handler
    # writes them to stderr. An application that configures logging still receives them.
    logger = logging.getLogger("great_expectations")
    if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
        logger.addHandler(logging.NullHandler())
    with warnings.catch_warnings():
        # GX imports pyspark when it is installed (the `spark` extra), and pyspark 4 warns on
        # import that it "does not yet fully support pandas >= 3": not the user's concern here.
        warnings.filterwarnings("ignore", PYSPARK_PANDAS_WARNING, FutureWarning)
        try:
            import great_expectations
        except SystemExit:
            # pyspark 4 without its Spark Connect packages calls sys.exit(0) on import when
            # `__main__` has no file (`python -c`): an exit 0 would read as a pass.
            raise GateError(
                "importing Great Expectations stopped in pyspark: install pyspark's Spark "
                "Connect packages (`pip install 'pyspark[connect]'`, the `spark` extra)"
            ) from None
    return great_expectations


def expectation_types() -> frozenset[str]:
    """Every expectation type this GX install knows (core ones are registered on import)."""
    _gx()
    from great_expectations.expectations.registry import (
        list_registered_expectation_implementations,
    )

    return frozenset(list_registered_expectation_implementations())


def validate(frame: Frame, expectations: list[Expectation]) -> list[Outcome]:
    """One GX validation of `frame` against every expectation; one `Outcome` per expectation.

    A GX suite is a set: expectations GX considers equal collapse into one. Equal ones are
    grouped here first, so each written expectation still gets its own entry, sharing a result.
    """
    with _ONE_VALIDATION:
        return _validate(frame, expectations)


def _validate(frame: Frame, expectations: list[Expectation]) -> list[Outcome]:
    gx = _gx()
    # First: GX suites and expectations look up the "current" context, which this sets.
    context = _context(gx)
    domains = [_domain(index, expectation) for index, expectation in enumerate(expectations)]
    first_of: dict[str, int] = {}
    group = [first_of.setdefault(_identity(domain), index) for index, domain in enumerate(domains)]
    suite = gx.ExpectationSuite(name="mlops-gate")
    for index in sorted(set(group)):
        suite.add_expectation(domains[index])
    try:
        run = _validator(context, frame).validate_expectation_suite(suite)
    except Exception as exc:  # GX's own failure: one line, not its stack trace
        raise GateError(f"Great Expectations could not validate: {_one_line(exc)}") from None
    results = {result.expectation_config.meta[INDEX]: result for result in run.results}
    _raise_errors(expectations, group, results)
    return [_outcome(expectation, results[group[i]]) for i, expectation in enumerate(expectations)]


def _domain(index: int, expectation: Expectation) -> Any:
    """The GX Expectation object; GX checks the kwargs here (pydantic), so errors name them."""
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    try:
        config = ExpectationConfiguration(
            type=expectation.type, kwargs=dict(expectation.kwargs), meta={INDEX: index}
        )
        return config.to_domain_obj()
    except Exception as exc:
        raise GateError(f"{_where(expectation)}: {_describe(exc)}") from None


def _identity(domain: Any) -> str:
    fields = domain.dict(exclude=_NOT_IDENTITY)
    return json.dumps([domain.expectation_type, fields], sort_keys=True, default=str)


def _context(gx: Any) -> Any:
    """A fresh in-memory GX context with progress bars off."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # Otherwise GX draws tqdm "Calculating Metrics" bars on stderr for every validation.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _validator(context: Any, frame: Frame) -> Any:
    """A GX validator over `frame` as one batch (the whole data frame).

    Built on the batch definition directly: `get_batch(...).validate(suite)` fetches the batch
    twice, and each fetch fingerprints the whole data frame (~0.2 s per 1M rows; benchmarks/).
    """
    from great_expectations.validator.v1_validator import Validator

    sources = context.data_sources
    spark = type(frame).__module__.startswith("pyspark.")  # no pyspark import to find out
    source = sources.add_spark("mlops-gate") if spark else sources.add_pandas("mlops-gate")
    asset = source.add_dataframe_asset("data")
    definition = asset.add_batch_definition_whole_dataframe("whole")
    return Validator(
        batch_definition=definition, batch_parameters={"dataframe": frame}, result_format="BASIC"
    )


def _raise_errors(
    expectations: list[Expectation], group: list[int], results: dict[int, Any]
) -> None:
    """GX catches exceptions (a missing column, a type mismatch) into the result: raise them."""
    problems = []
    for index, expectation in enumerate(expectations):
        messages = _exception_messages(results[group[index]].exception_info or {})
        if messages:
            problems.append(f"{_where(expectation)}: {'; '.join(messages)}")
    if problems:
        raise GateError("; ".join(problems))


def _exception_messages(info: dict[str, Any]) -> list[str]:
    """Messages from `exception_info`: flat for the expectation, or one dict per failed metric."""
    if "raised_exception" in info:
        infos = [info]
    else:
        infos = [value for value in info.values() if isinstance(value, dict)]
    found = [
        _one_line(item.get("exception_message")) for item in infos if item.get("raised_exception")
    ]
    return list(dict.fromkeys(found))  # the same message from several metrics once


def _outcome(expectation: Expectation, result: Any) -> Outcome:
    values = result.result or {}
    count = values.get("unexpected_count")
    return Outcome(
        expectation=expectation,
        success=bool(result.success),
        engine=ENGINE_GX,
        observed_value=values.get("observed_value"),
        unexpected_count=int(count) if count is not None else None,
        unexpected_percent=values.get("unexpected_percent"),
        unexpected_samples=tuple(values.get("partial_unexpected_list") or ()),
    )


def _describe(exc: Exception) -> str:
    """GX's kwargs errors are pydantic (v1) errors: `key: message` each, on one line."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            items = errors()
            return "; ".join(_pydantic_item(item) for item in items)
        except Exception:  # not pydantic after all: fall back to the text
            pass
    return _one_line(exc)


def _pydantic_item(item: dict[str, Any]) -> str:
    location = ".".join(str(part) for part in item.get("loc", ()) if part != "__root__")
    return f"{location}: {item['msg']}" if location else str(item["msg"])


def _one_line(message: object) -> str:
    lines = [line.strip() for line in str(message or "").splitlines() if line.strip()]
    fallback = type(message).__name__ if isinstance(message, BaseException) else "unknown error"
    text = lines[0] if lines else fallback
    return text.removeprefix("Error: ")


def _where(expectation: Expectation) -> str:
    return f"{expectation.source} {expectation.type}"
