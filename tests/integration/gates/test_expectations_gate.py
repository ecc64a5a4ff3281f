"""The `expectations` gate end to end: real Great Expectations validations on real Parquet files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlops_gate.engine.context import EvaluationContext
from mlops_gate.engine.runner import run_gates
from mlops_gate.gates.registry import load_policy
from mlops_gate.results import GateResult, Verdict
from tests.support import REPO, write_policy, write_table

pytestmark = pytest.mark.integration

ROWS = 12_000
CLASSIC = [  # the five classic training-data checks, as docs/expectations.md writes them
    {"expect_table_row_count_to_be_between": {"min_value": 10_000}},
    {
        "expect_table_columns_to_match_set": {
            "column_set": ["id", "amount", "age", "label"],
            "exact_match": False,
        }
    },
    {"expect_column_values_to_not_be_null": {"column": "amount", "mostly": 0.95}},
    {
        "expect_column_value_shares_to_be_between": {
            "column": "label",
            "min_value": 0.1,
            "strict_min": True,
        }
    },
    {"expect_table_duplicate_row_share_to_be_between": {"max_value": 0.01, "strict_max": True}},
]


def classic_frame(
    rows: int = ROWS,
    *,
    null_share: float = 0.02,
    minority_share: float = 0.2,
    duplicate_share: float = 0.005,
    drop: str | None = None,
) -> pd.DataFrame:
    """Training-like data whose null, label and duplicate shares are exactly the ones asked for.

    The last `duplicate_share` rows repeat the first ones exactly; the minority label sits at the
    end of the unique rows and the nulls right after the repeated ones, so neither is repeated.
    """
    repeats, nulls, minority = (
        round(rows * share) for share in (duplicate_share, null_share, minority_share)
    )
    unique = rows - repeats
    rng = np.random.default_rng(7)
    amount = rng.gamma(2.0, 50.0, size=unique)
    amount[repeats : repeats + nulls] = np.nan
    frame = pd.DataFrame(
        {
            "id": np.arange(unique),
            "amount": amount,
            "age": rng.integers(18, 90, size=unique),
            "label": ["ok"] * (unique - minority) + ["fraud"] * minority,
        }
    )
    frame = pd.concat([frame, frame.iloc[:repeats]], ignore_index=True)
    return frame.drop(columns=[drop]) if drop else frame


def _run(tmp_path: Path, frame: pd.DataFrame, **gate: Any) -> GateResult:
    write_table(frame, tmp_path / "eval.parquet")
    document = {
        "version": 1,
        "name": "expectations-test",
        "data": {"eval": "eval.parquet"},
        "gates": [{"type": "expectations", **gate}],
    }
    (result,) = run_gates(EvaluationContext(load_policy(write_policy(tmp_path, document))))
    assert not result.internal_error, result.message
    return result


def _failed(result: GateResult) -> list[str]:
    return [e["type"] for e in result.details["expectations"] if not e["success"]]


def test_classic_checks_pass_on_clean_data(tmp_path: Path) -> None:
    frame = classic_frame()
    result = _run(tmp_path, frame, expect=CLASSIC)
    assert result.verdict is Verdict.PASS, result.message
    assert (result.value, result.threshold, result.details["comparator"]) == (0.0, 0.0, "≤")
    assert result.message == "all 5 expectations met on eval (12,000 rows)"
    entries = result.details["expectations"]
    assert [e["engine"] for e in entries] == ["great_expectations"] * 3 + ["mlops-gate"] * 2
    assert entries[0]["observed_value"] == ROWS
    assert entries[2]["unexpected_count"] == 240  # 2 % of 12,000 amounts are null
    assert entries[3]["observed_value"] == {"ok": 0.8, "fraud": 0.2}
    assert entries[4]["unexpected_count"] == 60  # 0.5 % repeated rows
    assert json.loads(json.dumps(result.details, allow_nan=False)) == result.details


@pytest.mark.parametrize(
    ("broken", "failing"),
    [
        ({"rows": 9_999}, "expect_table_row_count_to_be_between"),
        ({"drop": "age"}, "expect_table_columns_to_match_set"),
        ({"null_share": 0.06}, "expect_column_values_to_not_be_null"),
        ({"minority_share": 0.1}, "expect_column_value_shares_to_be_between"),  # not > 0.1
        ({"duplicate_share": 0.01}, "expect_table_duplicate_row_share_to_be_between"),  # not < 1 %
    ],
)
def test_each_classic_check_fails_alone(
    tmp_path: Path, broken: dict[str, Any], failing: str
) -> None:
    result = _run(tmp_path, classic_frame(**broken), expect=CLASSIC)
    assert result.verdict is Verdict.FAIL
    assert _failed(result) == [failing]
    assert result.value == 1.0
    assert result.message.startswith(f"1 of 5 expectations failed on eval: {failing}")


def test_failures_are_counted_and_named_with_their_column(tmp_path: Path) -> None:
    frame = classic_frame(null_share=0.5, minority_share=0.05)
    result = _run(tmp_path, frame, expect=CLASSIC)
    assert result.value == 2.0
    assert result.message == (
        "2 of 5 expectations failed on eval: expect_column_values_to_not_be_null(amount), "
        "expect_column_value_shares_to_be_between(label)"
    )


def _gx_written_suite(path: Path) -> None:
    """A suite built with GX's own API and saved as GX serialises it."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    gx.get_context(mode="ephemeral")
    suite = gx.ExpectationSuite(name="eval")
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="age", min_value=18, max_value=89)
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeInSet(column="label", value_set=["ok", "fraud"])
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(suite.to_json_dict()), encoding="utf-8")


def test_suite_written_by_gx_runs_before_inline(tmp_path: Path) -> None:
    _gx_written_suite(tmp_path / "expectations" / "eval.json")
    result = _run(
        tmp_path,
        classic_frame(),
        suite="expectations/eval.json",
        expect=[{"expect_column_values_to_be_unique": {"column": "id"}}],
    )
    assert [(e["type"], e["success"]) for e in result.details["expectations"]] == [
        ("expect_column_values_to_be_between", True),
        ("expect_column_values_to_be_in_set", True),
        ("expect_column_values_to_be_unique", False),  # 60 repeated rows repeat their id
    ]
    assert result.details["expectations"][2]["unexpected_count"] == 120  # GX counts every copy
    assert result.details["suite"] == "expectations/eval.json"


def test_legacy_suite_format(tmp_path: Path) -> None:
    legacy = {
        "expectation_suite_name": "old",
        "meta": {"great_expectations_version": "0.18.8"},
        "expectations": [
            {"expectation_type": "expect_column_to_exist", "kwargs": {"column": "age"}, "meta": {}}
        ],
    }
    (tmp_path / "old.json").write_text(json.dumps(legacy), encoding="utf-8")
    result = _run(tmp_path, classic_frame(), suite="old.json")
    assert result.verdict is Verdict.PASS
    assert _failed(_run(tmp_path, classic_frame(drop="age"), suite="old.json")) == [
        "expect_column_to_exist"
    ]


def test_equal_expectations_each_get_an_entry(tmp_path: Path) -> None:
    twice = [{"expect_column_values_to_not_be_null": {"column": "amount", "mostly": 0.95}}] * 2
    result = _run(
        tmp_path,
        classic_frame(),
        expect=[
            *twice,
            {"expect_column_values_to_not_be_null": {"column": "amount", "mostly": 0.950}},
        ],
    )
    assert [e["unexpected_count"] for e in result.details["expectations"]] == [240, 240, 240]


@pytest.mark.parametrize(
    ("expect", "fragment"),
    [
        (
            [{"expect_column_values_to_not_be_nul": {"column": "amount"}}],
            "unknown expectation type 'expect_column_values_to_not_be_nul' (expect[0]); "
            "did you mean expect_column_values_to_not_be_null",
        ),
        (
            [{"expect_table_duplicate_row_shares_to_be_between": {"max_value": 0.1}}],
            "did you mean expect_table_duplicate_row_share_to_be_between",
        ),
        (
            [{"expect_column_values_to_not_be_null": {"column": "nope"}}],
            'expect[0] expect_column_values_to_not_be_null: The column "nope" in BatchData',
        ),
        (
            [{"expect_column_value_shares_to_be_between": {"column": "nope", "min_value": 0.1}}],
            "expect[0] expect_column_value_shares_to_be_between: no column 'nope'",
        ),
        (
            [{"expect_column_values_to_be_between": {"column": "age", "min_valu": 3}}],
            "expect[0] expect_column_values_to_be_between: min_valu: extra fields not permitted",
        ),
        (
            [{"expect_column_values_to_not_be_null": {"column": "amount", "mostly": 2}}],
            "mostly: ensure this value is less than or equal to 1.0",
        ),
        (
            [{"expect_column_values_to_be_between": {"column": "label", "min_value": 3}}],
            "expect[0] expect_column_values_to_be_between: Column values, min_value, and max_value",
        ),
    ],
)
def test_configuration_errors_are_one_line(
    tmp_path: Path, expect: list[Any], fragment: str
) -> None:
    result = _run(tmp_path, classic_frame(), expect=expect)
    assert result.verdict is Verdict.ERROR
    assert fragment in result.message
    assert "\n" not in result.message
    assert "Traceback" not in result.message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "suite.json: suite file not found"),
        ('{"expectations": [{"type": ', "suite.json:1:28: not valid JSON"),
        ('{"name": "s"}', "suite.json: not a Great Expectations suite"),
        ('{"name": "s", "expectations": []}', "suite.json: the suite has no expectations"),
    ],
)
def test_unusable_suite_files(tmp_path: Path, content: str | None, fragment: str) -> None:
    if content is not None:
        (tmp_path / "suite.json").write_text(content, encoding="utf-8")
    result = _run(tmp_path, classic_frame(), suite="suite.json")
    assert result.verdict is Verdict.ERROR
    assert fragment in result.message


def test_gate_prints_nothing_and_leaves_the_data_alone(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    write_table(classic_frame(), tmp_path / "eval.parquet")
    document = {
        "version": 1,
        "name": "quiet",
        "data": {"eval": "eval.parquet"},
        "gates": [{"type": "expectations", "expect": CLASSIC}],
    }
    context = EvaluationContext(load_policy(write_policy(tmp_path, document)))
    before = context.dataset("eval").copy()
    capfd.readouterr()
    (result,) = run_gates(context)
    assert result.verdict is Verdict.PASS
    assert capfd.readouterr() == ("", "")
    pd.testing.assert_frame_equal(context.dataset("eval"), before)


QUIET_SCRIPT = """
import sys
from pathlib import Path
from mlops_gate.engine.context import EvaluationContext
from mlops_gate.gates.registry import load_policy
from mlops_gate.engine.runner import run_gates
(result,) = run_gates(EvaluationContext(load_policy(Path(sys.argv[1]))))
assert result.verdict.value == sys.argv[2], result.message
assert ("great_expectations" in sys.modules) is (sys.argv[3] == "gx"), sorted(sys.modules)
"""


@pytest.mark.parametrize("engine", ["gx", "custom-only"])
def test_fresh_process_is_silent_without_test_settings(tmp_path: Path, engine: str) -> None:
    """No progress bars or logs even without conftest's TQDM_DISABLE; GX only loaded if used."""
    expect = CLASSIC if engine == "gx" else CLASSIC[3:]
    write_table(classic_frame(null_share=0.2), tmp_path / "eval.parquet")
    policy = write_policy(
        tmp_path,
        {
            "version": 1,
            "name": "quiet",
            "data": {"eval": "eval.parquet"},
            "gates": [{"type": "expectations", "expect": expect}],
        },
    )
    verdict = "fail" if engine == "gx" else "pass"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TQDM_", "GX_"))}
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(QUIET_SCRIPT), str(policy), verdict, engine],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_custom_duplicate_share_differs_from_gx_compound_uniqueness(tmp_path: Path) -> None:
    """Why the custom check exists: GX counts both copies of a repeated row, we count the repeat."""
    frame = pd.DataFrame({"a": [1, 1, 2, 3], "b": ["x", "x", "y", "z"]})
    result = _run(
        tmp_path,
        frame,
        expect=[
            {"expect_compound_columns_to_be_unique": {"column_list": ["a", "b"]}},
            {"expect_table_duplicate_row_share_to_be_between": {"max_value": 0.0}},
        ],
    )
    assert [e["unexpected_count"] for e in result.details["expectations"]] == [2, 1]


def test_failing_values_are_sampled_bounded_and_shown_escaped(tmp_path: Path) -> None:
    """A reviewer sees a few of the values that broke an expectation (issue 17): at most
    `SAMPLES`, each cut short, and escaped in the HTML report."""
    from mlops_gate.expectations import SAMPLE_CHARS, SAMPLES
    from mlops_gate.reports.pieces import charts

    hostile = "<script>alert(1)</script>" + "x" * 500
    frame = pd.DataFrame({"city": ["paris"] * 30 + [hostile] * 3 + ["ber\x1blin"] * 7})
    allowed = {"value_set": ["paris"]}
    result = _run(
        tmp_path,
        frame,
        expect=[{"expect_column_values_to_be_in_set": {**allowed, "column": "city"}}],
    )
    (entry,) = result.details["expectations"]
    samples = entry["unexpected_samples"]
    assert result.verdict is Verdict.FAIL
    assert entry["unexpected_count"] == 10
    assert 0 < len(samples) <= SAMPLES
    assert all(len(s) <= SAMPLE_CHARS for s in samples)
    assert hostile[:SAMPLE_CHARS] in samples
    html = "".join(charts(result))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "\x1b" not in html
