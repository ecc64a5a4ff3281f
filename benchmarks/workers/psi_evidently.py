"""Evidently's side of the PSI benchmark (anchors venv): DataDriftPreset(method="psi").

    psi_evidently.py DIR

Evidently 0.7's PSI (evidently.legacy.calculations.stattests.psi) bins a numeric column with more
than 20 distinct values into equal-width "sturges" bins over reference+current together
(`bins` is ignored), a categorical one by category; zero shares are replaced, not clipped.
Import and load are timed apart from the report run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from _worker import emit, timed


def main(directory: Path) -> dict[str, Any]:
    """Import and load (timed apart), then one report run; PSI per column."""

    def imports() -> Any:
        import evidently
        import pandas as pd
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

        return evidently, pd, DataDefinition, Dataset, Report, DataDriftPreset

    (evidently, pd, definition_type, dataset, report_type, preset), import_s = timed(imports)
    (reference, current), load_s = timed(
        lambda: (
            pd.read_parquet(directory / "psi_reference.parquet"),
            pd.read_parquet(directory / "psi_current.parquet"),
        )
    )
    definition = definition_type(
        numerical_columns=[c for c in reference.columns if c.startswith("x")],
        categorical_columns=[c for c in reference.columns if c.startswith("c")],
    )

    def run() -> Any:
        report = report_type([preset(method="psi")])
        return report.run(
            dataset.from_pandas(current, data_definition=definition),
            dataset.from_pandas(reference, data_definition=definition),
        )

    snapshot, run_s = timed(run)
    psi = {
        m["config"]["column"]: float(m["value"])
        for m in snapshot.dict()["metrics"]
        if m["config"]["type"].endswith(":ValueDrift")
    }
    return {
        "version": evidently.__version__,
        "import_s": import_s,
        "load_s": load_s,
        "times_s": [run_s],
        "psi": psi,
    }


if __name__ == "__main__":
    emit(main(Path(sys.argv[1])))
