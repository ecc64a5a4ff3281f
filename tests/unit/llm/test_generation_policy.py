"""Generation policies: the model and baseline keys, their problems at `file:line:col`, the files
the policy reads (evidence and promote bind them), and the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from mlops_gate import api
from mlops_gate.engine.generation import generation_spec
from mlops_gate.engine.inputs import policy_inputs
from mlops_gate.errors import PolicyError
from mlops_gate.gates.registry import load_policy
from mlops_gate.llm.client import retry_delay

MODEL = {
    "task": "generation",
    "endpoint": "http://127.0.0.1:8000/v1",
    "model": "m",
    "prompt": "p.txt",
}
JUDGE = {
    "type": "judge",
    "judge": {"endpoint": "http://j/v1", "model": "judge"},
    "rubric": "r.md",
    "calibration": "labels.jsonl",
    "min": 0.5,
}
ASSERT = {"type": "assertions", "checks": [{"json_schema": "schema.json"}, {"no_pii": True}]}


def _policy(tmp_path: Path, **sections: Any) -> Path:
    document = {
        "version": 1,
        "name": "gen",
        "model": MODEL,
        "data": {"eval": "eval.jsonl"},
        "gates": [{"type": "text", "metric": "rougeL", "min": 0.3}],
        **sections,
    }
    path = tmp_path / "mlops-gate.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    return caught.value.problems


def test_what_ships_is_the_prompt_and_a_prompt_baseline_calls_the_models_endpoint(
    tmp_path: Path,
) -> None:
    loaded = load_policy(
        _policy(tmp_path, baseline={"prompt": "champion.txt", "params": {"temperature": 1}})
    )
    assert (loaded.policy.model.path, loaded.policy.baseline.path) == ("p.txt", "champion.txt")  # type: ignore[union-attr]
    baseline = generation_spec(loaded.policy, "baseline")
    assert (baseline.endpoint, baseline.model, baseline.params) == (
        "http://127.0.0.1:8000/v1",
        "m",
        {"temperature": 1},
    )


def test_the_policy_reads_prompts_outputs_eval_rubric_labels_and_schemas(tmp_path: Path) -> None:
    model = {"task": "generation", "outputs": "out.jsonl", "prompt": "p.txt"}
    path = _policy(tmp_path, model=model, baseline={"outputs": "prod.jsonl"}, gates=[JUDGE, ASSERT])
    inputs = {item.name: item.value for item in policy_inputs(load_policy(path))}
    assert inputs == {
        "model": "p.txt",
        "model.outputs": "out.jsonl",
        "baseline": "prod.jsonl",
        "data.eval": "eval.jsonl",
        "gates[0].rubric": "r.md",
        "gates[0].calibration": "labels.jsonl",
        "gates[1].checks[0].json_schema": "schema.json",
    }


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            {"model": {**MODEL, "outputs": "o.jsonl"}},
            "model: set `outputs` or `endpoint`, not both",
        ),
        (
            {"model": {"task": "generation", "prompt": "p.txt"}},
            "a prompt needs `endpoint` and `model`",
        ),
        (
            {"model": {"task": "generation"}},
            "a generation model needs `outputs` (a JSONL file), or `prompt`",
        ),
        ({"model": {**MODEL, "path": "m.onnx"}}, "model.path does not apply to a generation model"),
        ({"model": {"path": "m.onnx", "prompt": "p.txt"}}, "apply to task: generation"),
        (
            {"model": {**MODEL, "endpoint": "https://user:pw@api.example.com/v1"}},
            "holds no credentials",
        ),
        ({"model": {**MODEL, "endpoint": "ftp://h"}}, "an http:// or https:// URL"),
        ({"model": {**MODEL, "params": {"messages": []}}}, "params cannot set messages"),
        ({"model": {**MODEL, "api_key_env": "sk-123"}}, "api_key_env: String should match pattern"),
        (
            {
                "gates": [
                    {
                        "type": "judge",
                        "judge": {"endpoint": "http://j/v1", "model": "j"},
                        "rubric": "r.md",
                    }
                ]
            },
            "set `min` (pointwise scores), `min_win_rate` (pairwise) or both",
        ),
        (
            {"gates": [{"type": "assertions", "checks": [{"max_chars": 3, "no_pii": True}]}]},
            "set exactly one of",
        ),
        (
            {"gates": [{"type": "assertions", "checks": [{"regex": "("}]}]},
            "regex: not a regular expression",
        ),
        ({"gates": [{"type": "text", "metric": "ter", "max_drop": 1}]}, "ter is lower-is-better"),
        ({"gates": [{"type": "text", "metric": "bleu", "max_drop": 1}]}, "needs `baseline`"),
        (
            {"baseline": {"path": "b.onnx"}},
            "a generation model's baseline is `outputs` or a `prompt`",
        ),
        (
            {
                "model": {"task": "generation", "outputs": "o.jsonl"},
                "baseline": {"prompt": "c.txt"},
            },
            "baseline: a prompt needs `endpoint` and `model`",
        ),
    ],
)
def test_problems_point_at_the_policy(
    tmp_path: Path, sections: dict[str, Any], message: str
) -> None:
    problems = _problems(_policy(tmp_path, **sections))
    assert any(message in problem for problem in problems), problems
    assert all(problem.startswith(f"{tmp_path / 'mlops-gate.yaml'}:") for problem in problems)


def test_generation_gates_refuse_a_classifier(tmp_path: Path) -> None:
    path = _policy(tmp_path, model={"path": "m.onnx"})
    assert any("set model.task: generation" in p for p in _problems(path))


def test_the_schema_accepts_a_generation_policy_without_path(tmp_path: Path) -> None:
    document = yaml.safe_load(
        _policy(tmp_path, baseline={"outputs": "prod.jsonl"}, gates=[JUDGE, ASSERT]).read_text()
    )
    validator = jsonschema.Draft202012Validator(json.loads(api.schema()))
    assert list(validator.iter_errors(document)) == []
    document["model"] = {"task": "classification"}
    assert list(validator.iter_errors(document))


@pytest.mark.parametrize(
    ("value", "seconds"), [("3", 3.0), ("0", 0.0), ("-5", 0.0), ("soon", None), (None, None)]
)
def test_retry_after(value: str | None, seconds: float | None) -> None:
    assert retry_delay(value) == seconds


def test_retry_after_as_an_http_date() -> None:
    import time
    from email.utils import formatdate

    delay = retry_delay(formatdate(time.time() + 30, usegmt=True))
    assert delay is not None
    assert 25 < delay <= 30


def test_a_missing_rubric_or_prompt_is_named_before_anything_runs(tmp_path: Path) -> None:
    from mlops_gate.engine.inputs import missing_inputs

    (tmp_path / "eval.jsonl").write_text('{"id": 1, "input": "q"}\n')
    (tmp_path / "labels.jsonl").write_text("")
    path = _policy(tmp_path, gates=[JUDGE])
    problems = missing_inputs(load_policy(path))
    assert problems == [
        f"{tmp_path / 'p.txt'}: file not found (model.path in {path})",
        f"{tmp_path / 'r.md'}: file not found (gates[0].rubric in {path})",
    ]
