"""The pydantic base classes that both the policy models and the gate modules build on.

A leaf: it imports pydantic and nothing of mlops-gate, so `policy/` (the document) and `gates/`
(the gate types) can share these bases without importing each other (docs/architecture.md).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$"


class StrictModel(BaseModel):
    """Unknown keys are errors, a loaded policy never changes, and every number is finite.

    `allow_inf_nan=False`: a threshold of `.nan`, `.inf` or `1e400` (which YAML and pydantic read
    as infinity) can never be compared meaningfully, so it is a policy error ("Input should be a
    finite number") at its `file:line:col`, not a crash or a limit nothing can break (issue 13).
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


class GateConfig(StrictModel):
    """Fields every gate has. Subclasses add `type: Literal[...]` and their own settings.

    `id` is filled in once, when the policy is loaded (`policy.loader`): explicit ids as written,
    derived ones from `derived_id(policy)` (by default `default_id()`) made unique in policy
    order. Code after loading reads `gate_id`, never `default_id()`.
    """

    id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="Stable name in reports (default: derived)."
    )
    type: str

    # What the gate reads, checked against the policy before anything runs:
    # "model", "baseline", "target", "eval", "reference".
    requires: ClassVar[frozenset[str]] = frozenset()
    # Whether a result may be reused while the config and the files it reads are unchanged, and
    # whether it also depends on the machine (a timing).
    cacheable: ClassVar[bool] = True
    machine_dependent: ClassVar[bool] = False
    # Scheduling (engine/runner.py): a timed gate runs alone, after the others, with nothing
    # beside it; a gate that loads nothing the others share (a subprocess, a slow import) starts
    # first so that it overlaps their loading.
    run_alone: ClassVar[bool] = False
    start_first: ClassVar[bool] = False

    @property
    def gate_id(self) -> str:
        """The id the loader settled (explicit or derived); `default_id()` before loading."""
        return self.id if self.id is not None else self.default_id()

    def default_id(self) -> str:
        return self.type

    def derived_id(self, policy: Any) -> str:
        """The id the loader derives for this gate in `policy`: `default_id()`, unless the rest
        of the policy changes what the gate measures (a generation model's `latency`)."""
        return self.default_id()

    def required_inputs(self) -> frozenset[str]:
        """Inputs this configuration needs (may depend on its settings)."""
        return self.requires

    def input_paths(self) -> dict[str, str]:
        """Files of its own the gate reads, by key path (`suite`, `source.path`), policy-relative.

        `policy.inputs.policy_inputs` reads this: the existence check, the result cache, the
        evidence file and promote all see the same files.
        """
        return {}

    def policy_problems(self, policy: Any) -> list[tuple[str, str]]:
        """Problems with the rest of the policy this gate can see (e.g. a metric that does not
        apply to the model's task), as `(key under the gate, message)` pairs."""
        return []
