"""`pytest --mlops-gate POLICY`: the gates as items (verdicts as `check` gives them) and fixtures.

pytest runs in this process through `pytester` (fast), with the plugin loaded the way the gate
loads it (`plugin_args()`: `-p mlops_gate.pytest_plugin` until the entry point is installed).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from mlops_gate.engine.runner import run_gates
from mlops_gate.gates.pytest_run import plugin_args
from mlops_gate.results import Verdict
from tests.integration.testing.projects import write_project
from tests.support import load_context

pytestmark = pytest.mark.integration
pytest_plugins = ["pytester"]

GATES = [
    {"type": "metric", "metric": "accuracy", "min": 0.5},
    {"type": "metric", "id": "too-strict", "metric": "accuracy", "min": 0.999},
    {"type": "size", "max_mb": 100, "warn_mb": 0.000001},
    {"type": "bias", "sensitive": "no_such_column", "max": 0.1},
    {"type": "latency", "device": "cuda", "max_ms": 10000, "runs": 30, "if_device_missing": "skip"},
]
PYTEST_OUTCOME = {
    Verdict.PASS: "passed",
    Verdict.WARN: "passed",
    Verdict.FAIL: "failed",
    Verdict.ERROR: "error",
    Verdict.SKIP: "skipped",
}


@pytest.fixture(scope="module", autouse=True)
def _imported_before_pytester(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Everything the tests import, imported before `pytester` takes its snapshot of sys.modules.

    pytester drops the modules first imported during a test, and extension modules (onnx,
    pyarrow's parquet) crash or refuse when imported a second time in one process.
    """
    from mlops_gate.testing.session import PolicySession

    policy = write_project(tmp_path_factory.mktemp("warm"), gates=GATES, suite_gate=False)
    run_gates(load_context(policy))
    session = PolicySession(policy)
    session.model().predict(session.dataset("eval"))


def outcomes(reports: Sequence[pytest.TestReport]) -> dict[str, str]:
    """node name -> passed/failed/error/skipped, as pytest's summary counts them."""
    found: dict[str, str] = {}
    for report in reports:
        name = report.nodeid.rsplit("::", 1)[-1]
        if report.failed:
            found[name] = "failed" if report.when == "call" else "error"
        elif report.skipped:
            found[name] = "skipped"
        elif report.when == "call":
            found.setdefault(name, "passed")
    return found


def test_gate_items_have_the_verdicts_of_check(pytester: pytest.Pytester, tmp_path: Path) -> None:
    policy = write_project(tmp_path / "p", gates=GATES, suite_gate=False)
    expected = {r.id: PYTEST_OUTCOME[r.verdict] for r in run_gates(load_context(policy))}
    assert set(expected.values()) >= {"passed", "failed", "error"}, expected

    found = pytester.inline_run(
        *plugin_args(), "--mlops-gate", str(policy), "-p", "no:cacheprovider"
    )
    assert outcomes(found.getreports("pytest_runtest_logreport")) == expected
    assert found.ret == pytest.ExitCode.TESTS_FAILED


def test_failures_read_as_one_line_and_warnings_reach_junit(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    policy = write_project(tmp_path / "p", gates=GATES[1:4], suite_gate=False)
    junit = tmp_path / "junit.xml"
    result = pytester.runpytest(*plugin_args(), "--mlops-gate", str(policy), f"--junitxml={junit}")
    result.stdout.fnmatch_lines(
        [
            "*bias:no_such_column (bias): error: sensitive column 'no_such_column' not found in *",
            "*too-strict (metric): fail: accuracy * [[]value 0.*, threshold ≥ 0.9990]",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
    xml = junit.read_text(encoding="utf-8")
    assert '<property name="mlops_gate_verdict" value="warn" />' in xml


def test_k_and_m_select_gates(pytester: pytest.Pytester, tmp_path: Path) -> None:
    policy = write_project(tmp_path / "p", gates=GATES[:3], suite_gate=False)
    only_size = pytester.inline_run(*plugin_args(), "--mlops-gate", str(policy), "-k", "size")
    assert outcomes(only_size.getreports("pytest_runtest_logreport")) == {"size": "passed"}
    pytester.makepyfile(test_other="def test_other():\n    pass\n")
    gates_only = pytester.inline_run(
        *plugin_args(), "--mlops-gate", str(policy), "-m", "mlops_gate"
    )
    assert set(outcomes(gates_only.getreports("pytest_runtest_logreport"))) == {
        "metric:accuracy",
        "too-strict",
        "size",
    }


def test_a_policy_check_refuses_is_a_collection_error(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    policy = write_project(tmp_path / "p", gates=GATES[:1], suite_gate=False)
    (tmp_path / "p" / "eval.parquet").unlink()
    result = pytester.runpytest(*plugin_args(), "--mlops-gate", str(policy))
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*eval.parquet: file not found (data.eval in *)"])


ISSUE_EXAMPLE = """
from hypothesis import given
from mlops_gate.testing import rows


@given(rows(max_rows=64))
def test_scores_are_probabilities(model, batch):
    p = model.predict_proba(batch)
    assert ((p >= 0) & (p <= 1)).all()


def test_fixtures(policy, model, eval_data, reference_data, data_contract, gate_options):
    assert policy.policy.name == "checks-good"
    assert model.features == ["x", "n", "color", "id"]
    assert len(model.predict(eval_data)) == len(eval_data) == 400
    assert len(reference_data) == 600
    assert data_contract.column("color").rare == ("blue",)
    assert gate_options.irrelevant == ["id"]


def test_no_baseline_yet(baseline_model):
    raise AssertionError("skipped before it runs: the policy names no baseline")
"""


def test_fixtures_and_rows_in_a_users_own_tests(pytester: pytest.Pytester, tmp_path: Path) -> None:
    policy = write_project(tmp_path / "p", gates=[{"type": "size", "max_mb": 100}])
    pytester.makepyfile(test_credit=ISSUE_EXAMPLE)
    result = pytester.runpytest(
        *plugin_args(),
        "--mlops-gate",
        str(policy),
        "--mlops-gate-no-items",
        "--mlops-gate-max-examples=10",
        '--mlops-gate-options={"irrelevant": ["id"]}',
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=2, skipped=1)


def test_fixtures_without_a_policy_are_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_model="def test_model(model):\n    pass\n")
    result = pytester.runpytest(*plugin_args())
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*these tests need a policy: run pytest with --mlops-gate POLICY*"]
    )
