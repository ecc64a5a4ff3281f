"""Great Expectations' own validation of the benchmark suite (project or anchors venv).

    expect_gx.py DIR REPEATS

What a GX 1.x user writes to validate one pandas DataFrame: an ephemeral context, a pandas data
source, a whole-dataframe batch, the suite, `batch.validate(suite, result_format="BASIC")`.
Progress bars off (as mlops-gate runs GX). Each repeat times the whole sequence and, inside it,
`batch.validate` alone. The GX import and the Parquet read are timed apart.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from _worker import emit, timed


def outcome(result: Any) -> dict[str, Any]:
    """One GX result in the shape every side reports."""
    values = result.result or {}
    config = result.expectation_config
    return {
        "type": config.type,
        "column": config.kwargs.get("column"),
        "success": bool(result.success),
        "unexpected_count": values.get("unexpected_count"),
        "observed_value": values.get("observed_value"),
    }


def validate_once(gx: Any, frame: Any, suite_json: dict[str, Any]) -> tuple[list[Any], float]:
    """The user's GX sequence; returns the outcomes and the seconds of batch.validate alone."""
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = context.data_sources.add_pandas("bench").add_dataframe_asset("data")
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": frame}
    )
    suite = gx.ExpectationSuite(name=suite_json["name"])
    for item in suite_json["expectations"]:
        config = ExpectationConfiguration(type=item["type"], kwargs=item["kwargs"])
        suite.add_expectation(config.to_domain_obj())
    run, validate_s = timed(lambda: batch.validate(suite, result_format="BASIC"))
    return [outcome(r) for r in run.results], validate_s


def main(directory: Path, repeats: int) -> dict[str, Any]:
    """Import and load (timed apart), then REPEATS validations."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

    def imports() -> Any:
        import great_expectations as gx
        import pandas as pd

        return gx, pd

    (gx, pd), import_s = timed(imports)
    frame, load_s = timed(lambda: pd.read_parquet(directory / "expectations.parquet"))
    suite_json = json.loads((directory / "expectations_suite.json").read_text())
    totals: list[float] = []
    validates: list[float] = []
    outcomes: list[dict[str, Any]] = []
    for _ in range(repeats):
        (outcomes, validate_s), total_s = timed(lambda: validate_once(gx, frame, suite_json))
        totals.append(total_s)
        validates.append(validate_s)
    return {
        "versions": {"great_expectations": gx.__version__, "pandas": pd.__version__},
        "import_s": import_s,
        "load_s": load_s,
        "times_s": totals,
        "validate_s": validates,
        "outcomes": outcomes,
    }


if __name__ == "__main__":
    emit(main(Path(sys.argv[1]), int(sys.argv[2])))
