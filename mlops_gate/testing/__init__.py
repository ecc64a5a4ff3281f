"""Behavioural model tests with pytest and hypothesis (docs/checks.md).

    from hypothesis import given
    from mlops_gate.testing import rows

    @given(rows(max_rows=64))
    def test_scores_are_probabilities(model, batch):
        p = model.predict_proba(batch)
        assert ((p >= 0) & (p <= 1)).all()

Names are imported lazily: hypothesis is a test-time dependency, and the pytest plugin and the
`pytest` gate import this package without needing it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_gate.gates.pytest_options import CheckOptions
    from mlops_gate.testing.compare import max_abs_diff, same_outputs
    from mlops_gate.testing.contract import ColumnContract, DataContract, build_contract
    from mlops_gate.testing.model import ModelUnderTest
    from mlops_gate.testing.session import PolicySession, session_for
    from mlops_gate.testing.strategies import elements, frames, rows, values

_HOMES = {
    "rows": "strategies",
    "values": "strategies",
    "frames": "strategies",
    "elements": "strategies",
    "ModelUnderTest": "model",
    "DataContract": "contract",
    "ColumnContract": "contract",
    "build_contract": "contract",
    "CheckOptions": "mlops_gate.gates.pytest_options",
    "PolicySession": "session",
    "session_for": "session",
    "max_abs_diff": "compare",
    "same_outputs": "compare",
}

__all__ = [
    "CheckOptions",
    "ColumnContract",
    "DataContract",
    "ModelUnderTest",
    "PolicySession",
    "build_contract",
    "elements",
    "frames",
    "max_abs_diff",
    "rows",
    "same_outputs",
    "session_for",
    "values",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mlops_gate.testing' has no attribute '{name}'")
    module = home if "." in home else f"mlops_gate.testing.{home}"
    return getattr(importlib.import_module(module), name)
