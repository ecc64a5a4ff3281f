"""`mlops-gate history`: who held the alias when, who moved it and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_gate.deadline import DEFAULT_TIMEOUT_S

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.registry.history import Move


@dataclass(frozen=True)
class HistoryView:
    label: str
    holder: str | None
    moves: list[Move]
    registry: str

    def lines(self) -> list[str]:
        head = f"{self.label} in {self.registry}: held by version {self.holder or '(none)'}"
        return (
            [head, *(move.line() for move in self.moves)]
            if self.moves
            else [head, "no recorded moves"]
        )


def history(
    loaded: LoadedPolicy, *, timeout: float = DEFAULT_TIMEOUT_S, alias: str | None = None
) -> HistoryView:
    """The moves recorded on the registered model, oldest first; `alias` reads another alias of
    the same model (e.g. the canary's `production`)."""
    from dataclasses import replace

    from mlops_gate.registry.from_policy import pointer_for, settings_for
    from mlops_gate.registry.history import read_moves
    from mlops_gate.registry.mlflow_client import open_registry

    pointer = pointer_for(loaded)
    if alias is not None:
        pointer = replace(pointer, alias=alias, stage=None)
    with open_registry(settings_for(loaded, timeout)) as registry:
        return HistoryView(
            pointer.label, pointer.holder(registry), read_moves(registry, pointer), registry.display
        )
