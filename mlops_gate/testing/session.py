"""One policy under test: its evaluation context, data contract, models and check options.

The pytest plugin makes one `PolicySession` per run (`--mlops-gate POLICY`) and activates it, so
that `rows()` (built when a test module is imported, with no arguments) finds the policy, and so
that the plugin's fixtures and gate items share one evaluation context: data and models are
loaded once per run. Activation is a stack because pytest can run inside pytest (`pytester`).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mlops_gate.errors import GateError

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.engine.context import DatasetName, EvaluationContext, Role
    from mlops_gate.expectations import Expectation
    from mlops_gate.gates.base import GateConfig
    from mlops_gate.gates.pytest_options import CheckOptions
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.testing.contract import DataContract
    from mlops_gate.testing.model import ModelUnderTest

_ACTIVE: list[PolicySession] = []
SESSION: pytest.StashKey[PolicySession] = pytest.StashKey()  # the policy of the pytest run


class PolicySession:
    """Everything about one policy that tests read, each loaded on first use."""

    def __repr__(self) -> str:
        return f"PolicySession({str(self.path)!r})"

    def __init__(self, path: Path, options: CheckOptions | None = None) -> None:
        self.path = path
        self._options = options
        self._models: dict[str, ModelUnderTest] = {}

    @functools.cached_property
    def loaded(self) -> LoadedPolicy:
        from mlops_gate.gates.registry import load_policy

        return load_policy(self.path)

    @functools.cached_property
    def context(self) -> EvaluationContext:
        from mlops_gate.engine.context import EvaluationContext

        return EvaluationContext(self.loaded)

    @functools.cached_property
    def options(self) -> CheckOptions:
        """The gate's options: as given (the gate passes them), else the policy's only pytest gate."""
        from mlops_gate.gates.pytest_options import CheckOptions

        if self._options is not None:
            return self._options
        found = [g for g in self.loaded.policy.gates if g.type == "pytest"]
        given = getattr(found[0], "options", None) if len(found) == 1 else None
        return given if isinstance(given, CheckOptions) else CheckOptions()

    def contract_source(self) -> DatasetName:
        """The data set the contract is read from: the reference data, else the eval data."""
        data = self.loaded.policy.data
        if data.reference is not None:
            return "reference"
        if data.eval is not None:
            return "eval"
        raise GateError("the policy names no data (data.reference or data.eval)")

    @functools.cached_property
    def contract(self) -> DataContract:
        from mlops_gate.testing.contract import build_contract

        frame = self.context.dataset(self.contract_source())
        target = self.loaded.policy.data.target
        return build_contract(frame, self.expectations(), exclude=[target] if target else [])

    def tested_columns(self) -> list[str]:
        """What `rows()` generates by default: the model's inputs and the columns the options
        name, in the contract's order. Fewer columns make every example cheaper to draw."""
        options = self.options
        wanted = {*self.model().features, *options.irrelevant, *options.monotonic}
        missing = sorted(wanted - set(self.contract.names))
        if missing:
            raise GateError(
                f"not in the {self.contract_source()} data, so not in the data contract: "
                + ", ".join(missing)
            )
        return [name for name in self.contract.names if name in wanted]

    def expectations(self) -> list[Expectation]:
        """Every expectation of every `expectations` gate, suites first, in policy order."""
        from mlops_gate.expectations.suite import load_expectations

        found: list[Expectation] = []
        for gate in self.loaded.policy.gates:
            if gate.type == "expectations":
                suite = getattr(gate, "suite", None)
                path = self.loaded.resolve(suite) if isinstance(suite, str) else None
                found.extend(load_expectations(path, list(getattr(gate, "expect", []))))
        return found

    def model(self, role: Role = "model") -> ModelUnderTest:
        from mlops_gate.testing.model import ModelUnderTest

        if role not in self._models:
            self._models[role] = ModelUnderTest.from_context(self.context, role)
        return self._models[role]

    def source_model(self) -> ModelUnderTest | None:
        """The model the artifact comes from: the first equivalence gate's `source`, else
        `artifacts.source`; None when the policy names neither (or only a torch source)."""
        from mlops_gate.loaders.models import PICKLE_SUFFIXES, load_model
        from mlops_gate.policy.model import ModelRef
        from mlops_gate.testing.model import ModelUnderTest

        spec = self._source_spec()
        if spec is None:
            return None
        path = self.loaded.resolve(spec.path)
        if path.suffix.lower() not in (".onnx", *PICKLE_SUFFIXES):
            return None
        loaded = load_model(path, ModelRef(path=str(path), trust=spec.trust), self.context.task)
        features = getattr(spec, "features", None) or getattr(loaded, "meta_features", None)
        return ModelUnderTest(
            loaded,
            features or self.context.features(),
            task=self.context.task,
            pos_label=self.context.pos_label,
            classes=self.model().classes,
        )

    def equivalence_gate(self) -> GateConfig | None:
        """The first equivalence gate: its tolerances are the ones generated rows are held to."""
        return next((g for g in self.loaded.policy.gates if g.type == "equivalence"), None)

    def _source_spec(self) -> Any:
        gate = self.equivalence_gate()
        if gate is not None:
            return getattr(gate, "source", None)
        artifacts = self.loaded.policy.artifacts
        return artifacts.source if artifacts is not None else None

    def dataset(self, name: DatasetName) -> pd.DataFrame:
        """A copy of a data set: tests may change it, the gates' copy must stay as loaded."""
        return self.context.dataset(name).copy()


def activate(session: PolicySession) -> None:
    _ACTIVE.append(session)


def deactivate(session: PolicySession) -> None:
    if session in _ACTIVE:
        _ACTIVE.remove(session)


@functools.cache
def _session_at(path: Path) -> PolicySession:
    return PolicySession(path)


def session_for(policy: str | Path | None = None) -> PolicySession:
    """The session for `policy`, else the one the pytest plugin activated."""
    if policy is not None:
        return _session_at(Path(policy).resolve())
    if not _ACTIVE:
        raise GateError(
            "no policy to test: run pytest with `--mlops-gate POLICY` "
            "(or pass `policy=` to rows()/values())"
        )
    return _ACTIVE[-1]
