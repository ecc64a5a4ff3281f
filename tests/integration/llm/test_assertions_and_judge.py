"""The assertions gate on real outputs (each failing row named, escaped in reports), and the
judge against the real local model server: pointwise, pairwise with swapped positions, and
calibration with Cohen's kappa equal to scikit-learn's, below which the gate is `error`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sklearn.metrics import cohen_kappa_score

from mlops_gate.engine.context import EvaluationContext
from mlops_gate.engine.runner import run_gates
from mlops_gate.gates.registry import load_policy
from mlops_gate.report import CheckReport
from mlops_gate.reports.registry import render
from mlops_gate.results import GateResult, Verdict
from tests.integration.llm.conftest import EXAMPLE, LocalLLM, outputs_policy, write_jsonl

pytestmark = pytest.mark.integration

ROWS = [json.loads(line) for line in (EXAMPLE / "eval" / "eval.jsonl").read_text().splitlines()]
HOSTILE_ID = "<img src=x onerror=alert(1)> @admin [x](javascript:alert(1)) | ::error::"


def _run(folder: Path, gates: list[dict[str, Any]], **extra: Any) -> list[GateResult]:
    results = run_gates(EvaluationContext(load_policy(outputs_policy(folder, gates, **extra))))
    for result in results:
        assert not result.internal_error, result.message
        json.dumps(result.details, allow_nan=False)
    return results


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    rows = [dict(row) for row in ROWS]
    rows[0]["id"] = HOSTILE_ID
    write_jsonl(tmp_path / "eval.jsonl", rows)
    outputs = [{"id": row["id"], "output": row["reference"]} for row in rows]
    outputs[0]["output"] = "As an AI, write to jane.doe@example.com or call +1 415 555 0100."
    outputs[1]["output"] = "Card 4111 1111 1111 1111 is on file."
    canary_row = next(i for i, r in enumerate(rows) if "ZX-CANARY-4471" in r["context"])
    outputs[canary_row]["output"] = "Here is the code ZX-CANARY-4471."
    outputs[2]["output"] = '{"answer": "yes", "steps": ["open Trash"]}'
    write_jsonl(tmp_path / "outputs.jsonl", outputs)
    (tmp_path / "schema.json").write_text(json.dumps({"type": "object", "required": ["answer"]}))
    (tmp_path / "rubric.md").write_text("Score helpfulness.")
    return tmp_path


def test_assertions_name_each_failing_row_and_check(project: Path) -> None:
    checks = [
        {"not_contains": ["as an ai"], "ignore_case": True},
        {"no_pii": True},
        {"canary": "ZX-CANARY-4471"},
        {"max_chars": 200},
    ]
    (result,) = _run(project, [{"type": "assertions", "checks": checks, "min_pass_rate": 0.9}])
    assert result.verdict is Verdict.PASS  # 37 of 40 rows: 0.925
    assert result.value == pytest.approx(37 / 40)
    failed = {(f["id"], f["check"]) for f in result.details["failures"]}
    assert failed == {
        (HOSTILE_ID, "0:not_contains"),
        (HOSTILE_ID, "1:no_pii"),
        (ROWS[1]["id"], "1:no_pii"),
        (ROWS[7]["id"], "2:canary"),
    }
    assert not any("jane.doe" in f["why"] or "4111" in f["why"] for f in result.details["failures"])
    report = CheckReport(
        policy_name="p", policy_path="p.yaml", policy_sha256="0" * 64, gates=[result]
    )
    markdown = render("markdown", report)
    assert "<img" not in markdown
    assert "@admin" not in markdown
    assert "](javascript" not in markdown


def test_json_schema_checks_the_structure(project: Path) -> None:
    (result,) = _run(
        project,
        [{"type": "assertions", "checks": [{"json_schema": "schema.json"}], "min_pass_rate": 0.02}],
    )
    assert result.details["passed_rows"] == 1  # only row 3 answers in JSON
    assert result.verdict is Verdict.PASS
    (project / "schema.json").write_text(json.dumps({"type": "nonsense"}))
    (broken,) = _run(project, [{"type": "assertions", "checks": [{"json_schema": "schema.json"}]}])
    assert broken.verdict is Verdict.ERROR
    assert "not a valid JSON Schema" in broken.message


def test_a_canary_no_row_holds_is_an_error(project: Path) -> None:
    (result,) = _run(project, [{"type": "assertions", "checks": [{"canary": "NEVER-PLANTED"}]}])
    assert result.verdict is Verdict.ERROR
    assert "tests nothing" in result.message


def _judge(llm: LocalLLM, **settings: Any) -> dict[str, Any]:
    return {
        "type": "judge",
        "judge": {"endpoint": llm.url, "model": settings.pop("model", "support-lm-judge")},
        "rubric": "rubric.md",
        **settings,
    }


def test_calibrated_judge_scores_and_compares_with_swapped_positions(
    project: Path, local_llm: LocalLLM
) -> None:
    rows = [json.loads(line) for line in (project / "eval.jsonl").read_text().splitlines()]
    write_jsonl(project / "weaker.jsonl", [{"id": r["id"], "output": r["context"]} for r in rows])
    (project / "labels.jsonl").write_bytes((EXAMPLE / "eval" / "human_labels.jsonl").read_bytes())
    gate = _judge(local_llm, min=0.5, min_win_rate=0.5, calibration="labels.jsonl", confidence=0.9)
    (result,) = _run(project, [gate], baseline={"outputs": "weaker.jsonl"})
    assert result.verdict is Verdict.PASS, result.message
    calibration = result.details["calibration"]
    assert calibration["kappa"] == cohen_kappa_score(calibration["human"], calibration["judge"])
    pairwise = result.details["pairwise"]
    assert pairwise["wins"] + pairwise["losses"] + pairwise["ties"] == len(ROWS)
    assert pairwise["win_rate"] == (pairwise["wins"] + 0.5 * pairwise["ties"]) / len(ROWS)
    assert 0 <= pairwise["position_inconsistency"] <= 1


def test_a_judge_people_disagree_with_is_an_error(project: Path, local_llm: LocalLLM) -> None:
    rows = [
        json.loads(line)
        for line in (EXAMPLE / "eval" / "human_labels.jsonl").read_text().splitlines()
    ]
    write_jsonl(project / "labels.jsonl", [{**row, "score": 6 - row["score"]} for row in rows])
    (result,) = _run(project, [_judge(local_llm, min=0.1, calibration="labels.jsonl")])
    assert result.verdict is Verdict.ERROR
    assert "below min_agreement 0.6" in result.message


def test_an_uncalibrated_judge_cannot_pass(project: Path, local_llm: LocalLLM) -> None:
    (strict,) = _run(project, [_judge(local_llm, min=0.1)])
    assert strict.verdict is Verdict.ERROR
    assert "calibration" in strict.message
    (lenient,) = _run(project, [_judge(local_llm, min=0.1, allow_uncalibrated=True)])
    assert lenient.verdict is Verdict.WARN


def test_a_judge_answering_outside_the_scale_is_an_error(
    project: Path, local_llm: LocalLLM
) -> None:
    (result,) = _run(
        project, [_judge(local_llm, min=0.1, allow_uncalibrated=True, model="fault-scale")]
    )
    assert result.verdict is Verdict.ERROR
    assert "outside the scale 1-5" in result.message
