"""The policy's gates as pytest items: `pytest --mlops-gate POLICY` runs them with the tests.

Each gate is one item under the policy file's node, and its outcome is the gate's verdict as
`mlops-gate check` would give it: pass and warn pass (a warning is kept in the report's sections
and the JUnit properties), fail fails, skip skips, and error is a pytest *error*. pytest only
reports an error for a problem outside the test body, so the gate is evaluated in the item's
`setup`; its verdict is then acted on in `runtest`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mlops_gate.results import GateResult
    from mlops_gate.testing.session import PolicySession

MARKER = "mlops_gate"


class PolicyFile(pytest.File):
    """The policy file as a collector: one child per gate, in policy order."""

    policy_session: PolicySession

    def collect(self) -> Iterable[GateItem]:
        from mlops_gate.engine.inputs import missing_inputs
        from mlops_gate.errors import MlopsGateError

        try:
            loaded = self.policy_session.loaded
            missing = missing_inputs(loaded)
        except MlopsGateError as exc:
            raise self.CollectError(str(exc)) from None
        if missing:  # `check` refuses to start then (exit 2): so does the collection
            raise self.CollectError("\n".join(missing))
        for index, (gate, gate_id) in enumerate(
            zip(loaded.policy.gates, loaded.gate_ids, strict=True)
        ):
            item = GateItem.from_parent(self, name=gate_id, index=index)
            item.add_marker(MARKER)  # `-m mlops_gate` selects the gates
            item.extra_keyword_matches.add(gate.type)  # `-k drift` selects the drift gates
            yield item


class GateItem(pytest.Item):
    """One gate; `result` is its GateResult once `setup` has evaluated it."""

    def __init__(self, *, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.result: GateResult | None = None

    @property
    def policy_session(self) -> PolicySession:
        assert isinstance(self.parent, PolicyFile)
        return self.parent.policy_session

    def setup(self) -> None:
        from mlops_gate.engine.runner import evaluate_gate
        from mlops_gate.results import Verdict

        self.result = evaluate_gate(self.index, self.policy_session.context)
        self.user_properties.extend(_properties(self.result))
        if self.result.verdict is Verdict.ERROR:
            pytest.fail(_summary(self.result), pytrace=False)  # in setup: reported as an error
        if self.result.verdict is Verdict.SKIP:
            pytest.skip(self.result.message)

    def runtest(self) -> None:
        from mlops_gate.results import Verdict

        assert self.result is not None
        if self.result.verdict is Verdict.WARN:
            self.add_report_section("call", "mlops-gate", f"warning: {_summary(self.result)}")
        if self.result.verdict is Verdict.FAIL:
            pytest.fail(_summary(self.result), pytrace=False)

    def reportinfo(self) -> tuple[Any, int, str]:
        loaded = self.policy_session.loaded
        gate = loaded.policy.gates[self.index]
        return self.path, loaded.gate_line(self.index) - 1, f"{self.name} ({gate.type} gate)"


def _summary(result: GateResult) -> str:
    from mlops_gate.render.formatting import number, threshold

    summary = f"{result.id} ({result.type}): {result.verdict.value}: {result.message}"
    if result.value is None:
        return summary
    return f"{summary} [value {number(result.value)}, threshold {threshold(result)}]"


def _properties(result: GateResult) -> list[tuple[str, object]]:
    return [
        ("mlops_gate_verdict", result.verdict.value),
        ("mlops_gate_value", result.value),
        ("mlops_gate_threshold", result.threshold),
        ("mlops_gate_message", result.message),
    ]
