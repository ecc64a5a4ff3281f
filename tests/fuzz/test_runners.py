"""The forked runner itself: a child never runs the test process's leftovers (CI, stop 20).

On CI two alias bombs hung their forked child for the whole 60 s, only on an xdist worker that
had run half the suite first. A forked child of a process with threads must not finalize what the
parent left unreachable: a finalizer that takes a lock one of the parent's threads held at the
fork waits forever. `run_forked` freezes the collector across the fork; these tests hold it to that.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from tests.fuzz.conftest import FuzzProject
from tests.fuzz.harness import assert_contract
from tests.fuzz.runners import run_forked
from tests.fuzz.strategies import alias_bomb

pytestmark = [pytest.mark.fuzz, pytest.mark.integration]


class _Leftover:
    """Garbage of the parent: in a child, its finalizer leaves a mark (it would block there)."""

    def __init__(self, marker: Path, parent: int) -> None:
        self.marker, self.parent = marker, parent
        self.other: _Leftover | None = None

    def __del__(self) -> None:
        if os.getpid() != self.parent:
            self.marker.write_text("finalized in the child", encoding="utf-8")


def _unreachable_cycle(marker: Path) -> None:
    first, second = _Leftover(marker, os.getpid()), _Leftover(marker, os.getpid())
    first.other, second.other = second, first  # a cycle: only the collector frees it


def test_a_child_never_finalizes_the_parents_garbage(fuzz_project: FuzzProject) -> None:
    with fuzz_project.workspace() as folder:
        marker = folder.parent / f"{folder.name}.finalized"
        # A bomb makes the child build 100,000 values: many collections, a full one among them.
        (folder / "mlops-gate.yaml").write_text(alias_bomb(30, 2), encoding="utf-8")
        enabled = gc.isenabled()
        gc.disable()  # the cycle must still be garbage, not collected here, when the child starts
        try:
            _unreachable_cycle(marker)
            gc.enable()
            outcome = run_forked(["validate", "mlops-gate.yaml"], folder)
        finally:
            gc.enable() if enabled else gc.disable()
        assert_contract(outcome, "alias bomb after leaving garbage behind")
        assert outcome.code == 2, outcome.output
        assert not marker.exists(), "the child ran a finalizer of the test process's garbage"
        gc.collect()  # here, in the parent, the cycle goes as any garbage does
        assert not marker.exists()
