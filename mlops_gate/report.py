"""The outcome of `check`: what every reporter renders and the results JSON (DESIGN.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mlops_gate import __version__
from mlops_gate.errors import ExitCode
from mlops_gate.results import GateResult, overall_exit_code, overall_verdict

RESULTS_SCHEMA = 1


@dataclass(frozen=True)
class CheckReport:
    policy_name: str
    policy_path: str
    policy_sha256: str
    gates: list[GateResult]
    model_path: str | None = None
    model_sha256: str | None = None
    baseline_uri: str | None = None
    baseline_version: str | None = None
    started_at: str = ""
    duration_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> ExitCode:
        return overall_exit_code(self.gates)

    @property
    def verdict(self) -> str:
        return overall_verdict(self.exit_code)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": RESULTS_SCHEMA,
            "tool_version": __version__,
            "policy": {
                "name": self.policy_name,
                "path": self.policy_path,
                "sha256": self.policy_sha256,
            },
            "verdict": self.verdict,
            "exit_code": int(self.exit_code),
            "model": {"path": self.model_path, "sha256": self.model_sha256},
            "baseline": {"uri": self.baseline_uri, "version": self.baseline_version},
            "started_at": self.started_at,
            "duration_s": self.duration_s,
            "gates": [gate.to_json() for gate in self.gates],
        }

    def to_json_text(self) -> str:
        return (
            json.dumps(
                self.to_json(), indent=2, sort_keys=False, allow_nan=False, default=_jsonable
            )
            + "\n"
        )


def _jsonable(value: Any) -> Any:
    """numpy scalars and arrays, paths and sets, as plain JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)
