"""pytest plugin (entry point `pytest11`): `pytest --mlops-gate POLICY` (docs/checks.md).

- Fixtures (session-scoped, so hypothesis tests may use them): `policy`, `model`,
  `baseline_model`, `source_model`, `eval_data`, `reference_data`, `data_contract`,
  `gate_options`.
- The policy's gates are collected as test items whose outcome is the gate's verdict
  (`--mlops-gate-no-items` turns that off: the `pytest` gate runs its checks that way).
- Hypothesis keeps its example database under `.mlops-gate/hypothesis/`, so a failure found once
  is replayed first the next time; `deadline` is off (the first call of a model is slower).

pytest imports every installed `pytest11` plugin in every run of every project, so this module
imports only pytest and the standard library; all else is imported when `--mlops-gate` is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mlops_gate.testing.session import SESSION

if TYPE_CHECKING:
    from mlops_gate.gates.pytest_options import CheckOptions

MODULE = "mlops_gate.pytest_plugin"
# The fixtures live in their own module (as cheap to import); pytest registers it with this one.
# Not imported here: pytest must see it first to rewrite its asserts, or it warns (an error
# under `filterwarnings = error`).
pytest_plugins = ["mlops_gate.testing.fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mlops-gate", "mlops-gate policy gates and behavioural checks")
    group.addoption(
        "--mlops-gate",
        dest="mlops_gate_policy",
        metavar="POLICY",
        help="Run the policy's gates as test items and provide its model and data as fixtures.",
    )
    group.addoption(
        "--mlops-gate-no-items",
        action="store_true",
        help="Provide the fixtures only: do not collect the policy's gates as items.",
    )
    group.addoption(
        "--mlops-gate-options",
        metavar="JSON",
        help="Check options as JSON (default: the options of the policy's only pytest gate).",
    )
    group.addoption(
        "--mlops-gate-max-examples", type=int, metavar="N", help="Hypothesis examples per test."
    )
    group.addoption(
        "--mlops-gate-no-shrink",
        action="store_true",
        help="Report hypothesis's first failing example as found, without shrinking it.",
    )
    group.addoption(
        "--mlops-gate-seed",
        type=int,
        metavar="N",
        help="Seed every hypothesis test, as @seed(N) does; unlike --hypothesis-seed this keeps "
        "the example database, so saved failures are still replayed first.",
    )
    group.addoption(
        "--mlops-gate-report", metavar="PATH", help="Write each test's outcome as JSON here."
    )


@pytest.hookimpl(trylast=True)  # after hypothesis's own configure, which loads --hypothesis-profile
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mlops_gate: a gate of the mlops-gate policy")
    policy = config.getoption("mlops_gate_policy")
    if policy is None:
        return
    from mlops_gate.testing import runtime
    from mlops_gate.testing.session import PolicySession, activate

    session = PolicySession(config.invocation_params.dir / policy, _options(config))
    config.stash[SESSION] = session
    activate(session)
    runtime.configure(
        config,
        max_examples=config.getoption("mlops_gate_max_examples"),
        shrink=not config.getoption("mlops_gate_no_shrink"),
    )
    report = config.getoption("mlops_gate_report")
    if report:
        from mlops_gate.testing.collect import ReportCollector

        config.pluginmanager.register(ReportCollector(Path(report)), "mlops-gate-report")


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION, None)
    if session is None:
        return
    from mlops_gate.testing import runtime
    from mlops_gate.testing.session import deactivate

    deactivate(session)
    runtime.restore(config)  # pytester runs pytest inside pytest: leave the outer run as it was


def pytest_report_header(config: pytest.Config) -> str | None:
    session = config.stash.get(SESSION, None)
    if session is None:
        return None
    items = "fixtures only" if config.getoption("mlops_gate_no_items") else "gates as items"
    return f"mlops-gate: {session.path} ({items})"


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselect, so that they apply to the gates too
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    policy_session = config.stash.get(SESSION, None)
    if policy_session is None:
        return
    seed = config.getoption("mlops_gate_seed")
    if seed is not None:
        from mlops_gate.testing.runtime import seed_hypothesis_tests

        seed_hypothesis_tests(items, seed)
    if config.getoption("mlops_gate_no_items"):
        return
    from mlops_gate.testing.items import PolicyFile

    node = PolicyFile.from_parent(session, path=policy_session.path.resolve())
    node.policy_session = policy_session
    collected = session.ihook.pytest_make_collect_report(collector=node)
    session.ihook.pytest_collectreport(report=collected)
    items[:0] = [item for item in collected.result if isinstance(item, pytest.Item)]


def _options(config: pytest.Config) -> CheckOptions | None:
    text = config.getoption("mlops_gate_options")
    if text is None:
        return None
    from pydantic import ValidationError

    from mlops_gate.gates.pytest_options import CheckOptions

    try:
        return CheckOptions.model_validate_json(text)
    except ValidationError as exc:
        raise pytest.UsageError(f"--mlops-gate-options: {exc}") from None
