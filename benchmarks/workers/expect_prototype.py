"""A prototype of the fix proposed for the expectations miss (project venv); not run by run.sh.

    expect_prototype.py DIR ROUNDS

`Batch.validate(suite)` builds a new validator from the batch definition and fetches the batch
again, so GX fingerprints (hashes) the whole DataFrame twice: once in `get_batch`, once inside
`validate`. The gate (gx_runner._batch + batch.validate) pays both. This times, taking turns on
the same frame: the gate as it is; GX's `batch.validate` alone; and GX's v1 `Validator` built on
the batch definition directly, which fetches the batch once.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

from _worker import emit, timed
from expect_mlops import runners


def validator_once(gx: Any, frame: Any, suite_json: dict[str, Any]) -> list[bool]:
    """What gx_runner.validate could do instead: one batch fetch, one fingerprint."""
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )
    from great_expectations.validator.v1_validator import Validator

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = context.data_sources.add_pandas("bench").add_dataframe_asset("data")
    definition = asset.add_batch_definition_whole_dataframe("whole")
    suite = gx.ExpectationSuite(name=suite_json["name"])
    for item in suite_json["expectations"]:
        config = ExpectationConfiguration(type=item["type"], kwargs=item["kwargs"])
        suite.add_expectation(config.to_domain_obj())
    validator = Validator(
        batch_definition=definition,
        batch_parameters={"dataframe": frame},
        result_format="BASIC",
    )
    return [bool(r.success) for r in validator.validate_expectation_suite(suite).results]


def main(directory: Path, rounds: int) -> dict[str, Any]:
    """ROUNDS rounds of the gate, batch.validate alone and the one-fetch validator."""
    import great_expectations as gx

    run, frame, _, _ = runners(directory)
    suite = json.loads((directory / "expectations_suite.json").read_text())
    times: dict[str, list[float]] = {"gate": [], "gx_validate": [], "validator_once": []}
    for _ in range(rounds):
        _, seconds = timed(run["gate"])
        times["gate"].append(seconds)
        (_, validate_s), _ = timed(run["gx"])
        times["gx_validate"].append(validate_s)
        _, seconds = timed(lambda: validator_once(gx, frame, suite))
        times["validator_once"].append(seconds)
    return {
        "median_s": {name: statistics.median(values[1:]) for name, values in times.items()},
        "times_s": times,
    }


if __name__ == "__main__":
    emit(main(Path(sys.argv[1]), int(sys.argv[2])))
