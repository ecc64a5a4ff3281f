"""The fixtures `pytest --mlops-gate POLICY` provides (registered by `mlops_gate.pytest_plugin`).

All are session-scoped: a hypothesis test may only use fixtures that outlive its examples, and
the model and data are loaded once per run. A policy, model or data problem is a test error of
one line (the same line `mlops-gate check` prints), not a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import pytest

from mlops_gate.testing.session import SESSION

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.gates.pytest_options import CheckOptions
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.testing.contract import DataContract
    from mlops_gate.testing.model import ModelUnderTest
    from mlops_gate.testing.session import PolicySession

T = TypeVar("T")


def _clean(load: Callable[[], T]) -> T:
    """`load()`, with a policy/model/data problem as one line instead of a traceback."""
    from mlops_gate.errors import MlopsGateError

    try:
        return load()
    except MlopsGateError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def mlops_gate_session(pytestconfig: pytest.Config) -> PolicySession:
    """The policy under test (`--mlops-gate POLICY`); a test error without one."""
    session = pytestconfig.stash.get(SESSION, None)
    if session is None:
        pytest.fail("these tests need a policy: run pytest with --mlops-gate POLICY", pytrace=False)
    return session


@pytest.fixture(scope="session")
def policy(mlops_gate_session: PolicySession) -> LoadedPolicy:
    """The loaded policy: `.policy` (the validated model), `.path`, `.resolve(path)`."""
    return _clean(lambda: mlops_gate_session.loaded)


@pytest.fixture(scope="session")
def model(mlops_gate_session: PolicySession) -> ModelUnderTest:
    """The artifact that ships (`model.path`), behind predict/predict_proba/score."""
    return _clean(lambda: mlops_gate_session.model("model"))


@pytest.fixture(scope="session")
def baseline_model(mlops_gate_session: PolicySession) -> ModelUnderTest:
    """The champion (`baseline.path`); skips on a first run, when no champion exists yet."""
    context = _clean(lambda: mlops_gate_session.context)
    if not _clean(context.has_baseline):
        pytest.skip(_clean(context.baseline_note) or "the policy has no baseline")
    return _clean(lambda: mlops_gate_session.model("baseline"))


@pytest.fixture(scope="session")
def source_model(mlops_gate_session: PolicySession) -> ModelUnderTest:
    """The model the artifact was exported from (an equivalence gate's or `artifacts.source`)."""
    found = _clean(mlops_gate_session.source_model)
    if found is None:
        pytest.skip("the policy names no source model (equivalence `source` or artifacts.source)")
    return found


@pytest.fixture(scope="session")
def eval_data(mlops_gate_session: PolicySession) -> pd.DataFrame:
    """A copy of `data.eval` (changing it changes nothing for the gates)."""
    return _clean(lambda: mlops_gate_session.dataset("eval"))


@pytest.fixture(scope="session")
def reference_data(mlops_gate_session: PolicySession) -> pd.DataFrame:
    """A copy of `data.reference`."""
    return _clean(lambda: mlops_gate_session.dataset("reference"))


@pytest.fixture(scope="session")
def data_contract(mlops_gate_session: PolicySession) -> DataContract:
    """The data contract `rows()` generates from (reference data + expectation suites)."""
    return _clean(lambda: mlops_gate_session.contract)


@pytest.fixture(scope="session")
def gate_options(mlops_gate_session: PolicySession) -> CheckOptions:
    """The `options` of the pytest gate running these tests."""
    return _clean(lambda: mlops_gate_session.options)
