"""The outcome of `check`: what every reporter renders and the results JSON (DESIGN.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlops_gate import __version__
from mlops_gate.errors import ExitCode
from mlops_gate.results import GateResult, overall_exit_code, overall_verdict

if TYPE_CHECKING:
    from mlops_gate.loaders.manifest import Artifact

RESULTS_SCHEMA = 1


@dataclass(frozen=True)
class VariantResult:
    """One artifact of `check --artifacts`: its file and every gate's result on it.

    `shared` names the gates that read no model: evaluated once, the same result in every variant.
    """

    variant: str
    method: str
    path: str
    sha256: str
    gates: list[GateResult]
    shared: frozenset[str] = frozenset()

    @classmethod
    def of(cls, artifact: Artifact, gates: list[GateResult], shared: set[str]) -> VariantResult:
        return cls(
            artifact.variant,
            artifact.method,
            str(artifact.path),
            artifact.sha256,
            gates,
            frozenset(shared),
        )

    @property
    def exit_code(self) -> ExitCode:
        return overall_exit_code(self.gates)

    @property
    def verdict(self) -> str:
        return overall_verdict(self.exit_code)

    def to_json(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "method": self.method,
            "path": self.path,
            "sha256": self.sha256,
            "verdict": self.verdict,
            "exit_code": int(self.exit_code),
            "gates": [{**gate.to_json(), "shared": gate.id in self.shared} for gate in self.gates],
        }


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
    # `check --artifacts`: the float model first, then each quantized variant. `gates` stay the
    # float model's; the verdict is the worst over every variant (a failing variant fails).
    variants: list[VariantResult] = field(default_factory=list)
    # `check --exit-zero` (issue 17, item 5): the command exits 0 whatever the verdict; every
    # output says so (results.ADVISORY_NOTE) and no evidence is written. `verdict`/`exit_code`
    # stay the gates' own.
    advisory: bool = False
    # `check --select`: the gates that were asked for (ids or types); the others did not run,
    # so no evidence is written either. Empty: every gate of the policy.
    selected: tuple[str, ...] = ()

    @property
    def exit_code(self) -> ExitCode:
        return overall_exit_code(self.gates + [g for v in self.variants for g in v.gates])

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
            **({"variants": [v.to_json() for v in self.variants]} if self.variants else {}),
            **({"advisory": True} if self.advisory else {}),
            **({"selected": list(self.selected)} if self.selected else {}),
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
