"""The exit-3 traceback goes to a new private file, never through a planted symlink (issue 14,
item 4). A crash is made in-process: `load_policy` is replaced by a function that raises, and
the real CLI (typer's runner) handles it as it handles any bug.
"""

from __future__ import annotations

import re
import stat
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlops_gate import cli
from mlops_gate.gates import registry


def _boom(_: Path) -> None:
    raise ZeroDivisionError("the bug under test")


@pytest.fixture
def crashing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A project folder as the working directory, its own /tmp and cache, and a crashing load."""
    work = tmp_path / "work"
    for folder in (work, tmp_path / "tmp", tmp_path / "cache"):
        folder.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(registry, "load_policy", _boom)
    return work


def _crash_log() -> Path:
    result = CliRunner().invoke(cli.app, ["validate", "policy.yaml"])
    assert result.exit_code == 3
    assert "internal error (a bug in mlops-gate): ZeroDivisionError: the bug under test" in (
        result.output
    )
    found = re.search(r"full traceback: (\S+)", result.output)
    assert found, result.output
    log = Path(found[1])
    assert "ZeroDivisionError: the bug under test" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    return log


def test_each_crash_gets_a_new_private_file_in_the_project_logs(crashing: Path) -> None:
    first, second = _crash_log(), _crash_log()
    assert first != second
    for log in (first, second):
        assert log.parent == (crashing / ".mlops-gate" / "logs").resolve()
        assert log.name.startswith("crash-")


def test_planted_symlinks_are_never_written_through(crashing: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (tmp_path / "tmp" / "mlops-gate-crash.log").symlink_to(victim)  # the old fixed path
    elsewhere = tmp_path / "attacker-chosen"
    elsewhere.mkdir()
    (crashing / ".mlops-gate").mkdir()
    (crashing / ".mlops-gate" / "logs").symlink_to(elsewhere)  # committed by a pull request

    log = _crash_log()
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert list(elsewhere.iterdir()) == []
    assert log.parent == tmp_path / "cache" / "mlops-gate" / "logs"


def test_a_symlinked_state_folder_is_skipped_too(crashing: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "attacker-chosen"
    (elsewhere / "logs").mkdir(parents=True)
    (crashing / ".mlops-gate").symlink_to(elsewhere)
    log = _crash_log()
    assert list((elsewhere / "logs").iterdir()) == []
    assert log.parent == tmp_path / "cache" / "mlops-gate" / "logs"
