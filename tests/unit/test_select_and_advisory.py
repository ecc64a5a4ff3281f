"""`check --select` and `--exit-zero` (issue 17, item 5): which gates run, what the exit code is,
and that the results JSON says so and reads back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mlops_gate.commands.check import CheckRequest, Outputs
from mlops_gate.commands.outcome import SideEffect, final_exit_code
from mlops_gate.commands.select import select_gates, with_policy_lines
from mlops_gate.errors import ExitCode, InputError
from mlops_gate.gates.registry import load_policy
from mlops_gate.report_load import report_from_json
from mlops_gate.results import GateResult, Verdict
from tests.report_samples import full_report

POLICY = """\
version: 1
name: fraud
model: {path: m.onnx}
data: {eval: e.parquet, reference: r.parquet, target: label}
gates:
  - {type: metric, metric: f1, min: 0.9}
  - {type: drift, max: 0.2}
  - {type: metric, metric: accuracy, min: 0.9}
  - {id: second-drift, type: drift, max: 0.3}
"""


@pytest.fixture
def loaded(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "p.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path, env={})


def test_a_type_selects_every_gate_of_it_an_id_one_gate(loaded) -> None:  # type: ignore[no-untyped-def]
    assert select_gates(loaded, ["drift"]).gate_ids == ("drift", "second-drift")
    assert select_gates(loaded, ["metric:accuracy", "drift"]).gate_ids == (
        "drift",
        "metric:accuracy",
        "second-drift",
    )  # policy order, whatever the order asked
    assert select_gates(loaded, []) is loaded
    picked = select_gates(loaded, ["second-drift"])
    assert [gate.gate_id for gate in picked.policy.gates] == ["second-drift"]
    assert picked.sha256 == loaded.sha256


def test_unknown_selectors_are_all_named_with_the_valid_ids(loaded) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        select_gates(loaded, ["drift", "metrc:f1", "", "\x1b[31m"])
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert "--select 'metrc:f1' matches no gate" in lines[0]
    assert "did you mean 'metric:f1'?" in lines[0]
    assert lines[0].endswith(
        "gate ids: metric:f1, drift, metric:accuracy, second-drift; gate types: drift, metric"
    )


def test_policy_lines_come_from_the_whole_policy(loaded) -> None:  # type: ignore[no-untyped-def]
    result = GateResult(id="second-drift", type="drift", verdict=Verdict.PASS, policy_line=6)
    (fixed,) = with_policy_lines([result], loaded)
    assert fixed.policy_line == 9


@pytest.mark.parametrize("verdict", [ExitCode.PASS, ExitCode.FAIL, ExitCode.UNDECIDED])
def test_advisory_exits_0_for_every_verdict_and_failed_effect(verdict: ExitCode) -> None:
    failed = [SideEffect("post the report", ok=False, required=True)]
    assert final_exit_code(verdict, failed, advisory=True) == 0
    assert final_exit_code(ExitCode.PASS, failed) == 2  # unchanged without it


def test_advisory_never_hides_a_bug() -> None:
    assert final_exit_code(ExitCode.INTERNAL, advisory=True) == 3


def test_neither_an_advisory_run_nor_a_selection_writes_evidence() -> None:
    outputs = Outputs(evidence=Path("e.json"))
    assert CheckRequest(outputs=outputs).evidence == Path("e.json")
    assert CheckRequest(outputs=outputs, exit_zero=True).evidence is None
    assert CheckRequest(outputs=outputs, select=("drift",)).evidence is None


def test_the_results_json_carries_both_flags_and_reads_back() -> None:
    report = replace(full_report(), advisory=True, selected=("drift", "metric:f1"))
    data = report.to_json()
    assert (data["advisory"], data["selected"], data["exit_code"]) == (
        True,
        ["drift", "metric:f1"],
        1,
    )
    again = report_from_json(data)
    assert (again.advisory, again.selected) == (True, ("drift", "metric:f1"))
    plain = full_report().to_json()
    assert "advisory" not in plain
    assert "selected" not in plain


def test_a_malformed_selected_list_is_refused() -> None:
    data = {**full_report().to_json(), "selected": ["a", 1]}
    with pytest.raises(InputError, match="selected: expected a list of strings"):
        report_from_json(data)
