"""Policy loading: every problem at once, each as `file:line:col: key.path: message` (exact text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_gate.errors import InputError, PolicyError
from mlops_gate.gates.registry import load_policy

GOOD = """\
version: 1
name: fraud
model: {path: m.onnx}
data: {eval: e.parquet, reference: r.parquet, target: label}
gates:
  - {type: metric, metric: f1, min: 0.9}
  - {type: drift, max: 0.2}
"""


def _problems(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path, env=env or {})
    return [line.replace(str(path), "p.yaml") for line in caught.value.problems]


def test_valid_policy_loads_with_derived_ids(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(GOOD + "  - {type: metric, metric: f1, min: 0.8}\n", encoding="utf-8")
    loaded = load_policy(path, env={})
    assert loaded.gate_ids == ("metric:f1", "drift", "metric:f1#2")
    assert loaded.gate_line(1) == 7
    assert len(loaded.sha256) == 64


def test_all_errors_at_once_with_positions_and_key_paths(tmp_path: Path) -> None:
    text = (
        GOOD.replace("{type: drift, max: 0.2}", "{type: drift, max: -1, colour: red}")
        + "  - {type: nope}\n"
    )
    assert _problems(tmp_path, text) == [
        "p.yaml:7:24: gates[1] (drift).max: Input should be greater than 0",
        "p.yaml:7:28: gates[1] (drift).colour: unknown key 'colour'; did you mean 'columns'?; "
        "valid keys: id, type, method, bins, max, warn, alpha, max_drifted_share, min_rows, "
        "columns, predictions, epsilon",
        "p.yaml:8:5: gates[2]: unknown gate type 'nope'; valid types: "
        "assertions, bias, drift, equivalence, expectations, judge, latency, metric, pytest, size, text",
    ]


def test_unknown_top_level_key_lists_valid_keys(tmp_path: Path) -> None:
    assert _problems(tmp_path, GOOD + "extra: 1\n") == [
        "p.yaml:8:1: extra: unknown key 'extra'; valid keys: "
        "version, name, model, baseline, data, spark, gates, artifacts, promote, deploy"
    ]


def test_wrong_type_points_at_the_value(tmp_path: Path) -> None:
    text = GOOD.replace("min: 0.9", "min: high")
    assert _problems(tmp_path, text) == [
        "p.yaml:6:37: gates[0] (metric).min: Input should be a valid number, unable to parse string as a number"
    ]


def test_missing_required_field_points_at_its_mapping(tmp_path: Path) -> None:
    text = GOOD.replace("{type: metric, metric: f1, min: 0.9}", "{type: metric, min: 0.9}")
    assert _problems(tmp_path, text) == ["p.yaml:6:5: gates[0] (metric).metric: Field required"]


def test_cross_field_rules_name_the_gate(tmp_path: Path) -> None:
    text = GOOD.replace("min: 0.9", "max_drop: 0.01")
    assert _problems(tmp_path, text) == [
        "p.yaml:6:5: gates[0] (metric): needs `baseline`: add `baseline: {path: ...}` or drop the baseline comparison"
    ]


def test_metric_must_fit_the_task(tmp_path: Path) -> None:
    text = GOOD.replace("metric: f1", "metric: rmse").replace("min: 0.9", "max: 3")
    assert _problems(tmp_path, text) == [
        "p.yaml:6:5: gates[0] (metric).metric: 'rmse' does not apply to a classification model"
    ]


def test_validator_messages_drop_pydantic_prefix(tmp_path: Path) -> None:
    text = (
        GOOD.replace("max_drop: 0.01", "")
        .replace("min: 0.9", "max_drop: 0.1")
        .replace("metric: f1", "metric: log_loss")
    )
    assert _problems(tmp_path, text) == [
        "p.yaml:6:5: gates[0] (metric): log_loss is lower-is-better: use max_increase, not max_drop"
    ]


def test_malformed_yaml(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "version: 1\nname: [unclosed\n")
    assert len(problems) == 1
    assert problems[0].startswith("p.yaml:3:1: invalid YAML:")


def test_duplicate_keys_are_errors(tmp_path: Path) -> None:
    assert _problems(tmp_path, GOOD + "name: again\n") == ["p.yaml:8:1: duplicate key 'name'"]


def test_not_a_mapping(tmp_path: Path) -> None:
    assert _problems(tmp_path, "- 1\n- 2\n") == [
        "p.yaml:1:1: a policy is a YAML mapping (see `mlops-gate init`)"
    ]


def test_empty_gate_list(tmp_path: Path) -> None:
    text = GOOD.split("gates:")[0] + "gates: []\n"
    assert _problems(tmp_path, text) == [
        "p.yaml:5:8: gates: List should have at least 1 item after validation, not 0"
    ]


def test_environment_substitution(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        GOOD.replace("m.onnx", "'${MODEL_DIR}/m.onnx'").replace("0.9", "'${F1_MIN:-0.85}'"),
        encoding="utf-8",
    )
    loaded = load_policy(path, env={"MODEL_DIR": "/models"})
    assert loaded.policy.model is not None
    assert loaded.policy.model.path == "/models/m.onnx"
    assert loaded.policy.gates[0].min == 0.85  # type: ignore[attr-defined]


def test_missing_environment_variable(tmp_path: Path) -> None:
    text = GOOD.replace("m.onnx", "'${MODEL_DIR}/m.onnx'")
    assert _problems(tmp_path, text) == [
        "p.yaml:3:15: model.path: environment variable MODEL_DIR is not set (use ${MODEL_DIR:-default} for a default)"
    ]


def test_literal_dollar_brace(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        GOOD.replace("name: fraud", "name: fraud\nbaseline: {path: '$${x}.onnx'}"), encoding="utf-8"
    )
    loaded = load_policy(path, env={})
    assert loaded.policy.baseline is not None
    assert loaded.policy.baseline.path == "${x}.onnx"


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="policy file not found"):
        load_policy(tmp_path / "nope.yaml")


def test_data_only_policy_needs_no_model_or_target(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: 1\nname: data-only\ndata: {eval: e.parquet, reference: r.parquet}\n"
        "gates:\n  - {type: drift, max: 0.2}\n"
        "  - {type: expectations, expect: [{expect_column_to_exist: {column: a}}]}\n",
        encoding="utf-8",
    )
    assert load_policy(path, env={}).gate_ids == ("drift", "expectations:eval")


def test_duplicate_explicit_ids(tmp_path: Path) -> None:
    text = GOOD.replace(
        "{type: metric, metric: f1, min: 0.9}", "{id: a, type: metric, metric: f1, min: 0.9}"
    )
    text = text.replace("{type: drift, max: 0.2}", "{id: a, type: drift, max: 0.2}")
    assert _problems(tmp_path, text) == [
        "p.yaml:7:5: gates[1] (drift).id: duplicate id 'a' (also gates[0])"
    ]


def test_an_explicit_id_equal_to_a_derived_one_is_a_duplicate(tmp_path: Path) -> None:
    """Gate ids are made once, at load time, and two gates never share one (issue 12)."""
    text = GOOD.replace("{type: drift, max: 0.2}", "{id: 'metric:f1', type: drift, max: 0.2}")
    assert _problems(tmp_path, text) == [
        "p.yaml:7:5: gates[1] (drift).id: duplicate id 'metric:f1' (also gates[0])"
    ]
    text = GOOD.replace(
        "{type: metric, metric: f1, min: 0.9}", "{id: drift, type: metric, metric: f1, min: 0.9}"
    )
    assert _problems(tmp_path, text) == [
        "p.yaml:7:5: gates[1] (drift): duplicate id 'drift' "
        "(also gates[0]; derived from its settings: set a distinct `id`)"
    ]


def test_the_loader_writes_each_gate_its_id(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(GOOD + "  - {type: metric, metric: f1, min: 0.8}\n", encoding="utf-8")
    loaded = load_policy(path, env={})
    assert tuple(gate.id for gate in loaded.policy.gates) == loaded.gate_ids
    assert tuple(gate.gate_id for gate in loaded.policy.gates) == loaded.gate_ids


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "min: 0.9",
            "min: .nan",
            "p.yaml:6:37: gates[0] (metric).min: Input should be a finite number",
        ),
        (
            "{type: drift, max: 0.2}",
            "{type: drift, max: .inf}",
            "p.yaml:7:24: gates[1] (drift).max: Input should be a finite number",
        ),
        (
            "{type: drift, max: 0.2}",
            "{type: size, max_mb: 1e400}",  # YAML reads 1e400 as text, pydantic as infinity
            "p.yaml:7:26: gates[1] (size).max_mb: Input should be a finite number",
        ),
        (
            "{type: drift, max: 0.2}",
            "{type: bias, sensitive: sex, max: -.inf}",
            "p.yaml:7:39: gates[1] (bias).max: Input should be a finite number",
        ),
    ],
)
def test_nan_and_infinite_numbers_are_policy_errors(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    """A NaN limit never compares, an infinite one never breaks: both are refused (issue 13)."""
    assert _problems(tmp_path, GOOD.replace(old, new)) == [expected]


def test_infinite_numbers_are_refused_outside_the_gates_too(tmp_path: Path) -> None:
    """`allow_inf_nan=False` is set once, on the base of every policy model."""
    text = GOOD + "deploy: {canary: {analysis: {max_p95_ms: .inf}}}\n"
    assert _problems(tmp_path, text) == [
        "p.yaml:8:42: deploy.canary.analysis.max_p95_ms: Input should be a finite number"
    ]


def test_a_negative_seed_is_a_policy_error(tmp_path: Path) -> None:
    """numpy's default_rng refuses a negative seed: that crashed with exit 3 (issue 13)."""
    text = GOOD.replace("min: 0.9", "min: 0.9, seed: -1")
    assert _problems(tmp_path, text) == [
        "p.yaml:6:48: gates[0] (metric).seed: Input should be greater than or equal to 0"
    ]


def test_a_policy_over_1_mib_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    """Issue 13, item 4: the size is capped before reading; a policy at the cap still loads."""
    from mlops_gate.policy.loader import MAX_POLICY_BYTES

    padded = GOOD + "#" * (MAX_POLICY_BYTES - len(GOOD) - 1) + "\n"
    path = tmp_path / "p.yaml"
    path.write_text(padded, encoding="utf-8")
    assert load_policy(path, env={}).gate_ids == ("metric:f1", "drift")
    assert _problems(tmp_path, padded + "\n") == [
        "p.yaml:1:1: the policy file is over 1 MiB: a policy is short"
    ]


def test_a_policy_must_be_a_regular_file(tmp_path: Path) -> None:
    """Issue 13, item 4. A FIFO (it blocked) and /dev/zero (read until memory ran out) are
    tested through the CLI, in a subprocess with a timeout: tests/integration/test_cli_hostile_input.py."""
    path = tmp_path / "p.yaml"
    path.mkdir()
    with pytest.raises(InputError) as caught:
        load_policy(path, env={})
    assert str(caught.value) == f"{path}: policy file is a directory, expected a regular file"


def test_hostile_yaml_is_a_policy_error_at_its_position(tmp_path: Path) -> None:
    """Issue 13, item 4: these crashed (exit 3) or ran without bound; now one line each."""
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(6)
    )
    assert _problems(tmp_path, GOOD + laughs) == [
        "p.yaml:12:36: alias '*d' expands the policy to more than 100000 values"
    ]
    assert _problems(tmp_path, GOOD + "x: &x [*x]\n") == [
        "p.yaml:8:8: recursive alias '*x': it refers to a node that contains it"
    ]
    tagged = GOOD.replace("name: fraud", "name: !!python/object:os.system {}")
    assert _problems(tmp_path, tagged) == [
        "p.yaml:2:7: unsupported YAML tag '!!python/object:os.system': a policy holds only "
        "mappings, lists, strings, numbers, booleans and null"
    ]


def test_a_character_yaml_forbids_is_a_positioned_policy_error(tmp_path: Path) -> None:
    """Found by the fuzz harness: a NUL in a policy was an internal error (exit 3)."""
    assert _problems(tmp_path, "version: 1\nname: x\x00\n") == [
        "p.yaml:2:8: invalid YAML: character U+0000 is not allowed in a YAML file"
    ]


def test_misspelt_key_suggests_the_closest_valid_key(tmp_path: Path) -> None:
    """Issue 17, item 5: difflib against the field names of the model at that path."""
    text = GOOD.replace("min: 0.9", "min: 0.9, max_dorp: 0.01")
    [problem] = _problems(tmp_path, text)
    assert "gates[0] (metric).max_dorp: unknown key 'max_dorp'; did you mean 'max_drop'?; " in (
        problem
    )


def test_misspelt_top_level_key_and_gate_type_suggest(tmp_path: Path) -> None:
    problems = _problems(tmp_path, GOOD.replace("{type: drift", "{type: drfit") + "baselin: {}\n")
    assert any(
        "unknown gate type 'drfit'; did you mean 'drift'?; valid types:" in p for p in problems
    )
    assert any(
        "unknown key 'baselin'; did you mean 'baseline'?; valid keys:" in p for p in problems
    )


def test_no_suggestion_when_nothing_is_close(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, GOOD + "zzzz: 1\n")
    assert "did you mean" not in problem
