"""The metric keys MLflow users know (issue 17, item 4): the mapping, its documentation, and that
each name is the one MLflow's own default evaluator logs for the same number."""

from __future__ import annotations

import math
import re

from mlops_gate.registry.metric_names import EVALUATE_NAMES, key_part, known_metrics
from mlops_gate.results import GateResult, Verdict
from tests.report_samples import full_report
from tests.support import REPO


def test_the_documented_table_is_the_mapping() -> None:
    text = (REPO / "docs" / "registry.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `metric: (\w+)` \| `(\w+)` \|", text, flags=re.MULTILINE))
    assert rows == EVALUATE_NAMES


def test_each_gate_type_gets_its_names_and_the_first_gate_wins() -> None:
    report = full_report()
    metrics = known_metrics(report.gates)
    assert metrics["f1_score"] == 0.931
    assert metrics["f1_score.baseline"] == 0.912
    assert metrics["drift.psi.amount"] == 0.31
    assert metrics["drift.psi"] == 0.31
    second = GateResult(id="metric:f1#2", type="metric", verdict=Verdict.PASS, value=0.5)
    sliced = GateResult(
        id="metric:f1[DE]", type="metric", verdict=Verdict.PASS, value=0.1, details={"slice": {}}
    )
    assert known_metrics([sliced, *report.gates, second])["f1_score"] == 0.931


def test_non_finite_and_hostile_values_are_left_out_or_made_safe() -> None:
    gates = [
        GateResult(id="metric:r2", type="metric", verdict=Verdict.ERROR, value=math.nan),
        GateResult(
            id="drift",
            type="drift",
            verdict=Verdict.PASS,
            value=0.1,
            details={"method": "psi", "columns": {"a\nb\x1b[31m,é": 0.1, "x": math.inf}},
        ),
        GateResult(id="size", type="size", verdict=Verdict.PASS, details={"bytes": True}),
    ]
    metrics = known_metrics(gates)
    assert metrics == {"drift.psi": 0.1, "drift.psi.a_b__31m__": 0.1}
    assert key_part("x" * 300) == "x" * 100
