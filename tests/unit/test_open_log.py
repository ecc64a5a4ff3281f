"""Logs under .mlops-gate/ are appended to only as regular files (a planted link is refused)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlops_gate.fsutil import open_log


def test_appends_and_creates_private(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "spark.log"
    for line in (b"one\n", b"two\n"):
        with open_log(log) as handle:
            handle.write(line)
    assert log.read_bytes() == b"one\ntwo\n"
    assert log.stat().st_mode & 0o777 == 0o600


def test_a_planted_link_is_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "spark.log").symlink_to(victim)
    with pytest.raises(OSError, match=r"symbolic links|Too many levels"):
        open_log(tmp_path / "logs" / "spark.log")
    assert victim.read_text() == "keep\n"


def test_a_planted_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "spark.log"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=r"not a regular file|No such device"):
        open_log(fifo)


def test_fresh_empties_a_regular_log_only(tmp_path: Path) -> None:
    log = tmp_path / "canary.log"
    log.write_bytes(b"the last run\n")
    with open_log(log, fresh=True) as handle:
        handle.write(b"this run\n")
    assert log.read_bytes() == b"this run\n"
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    (tmp_path / "linked.log").symlink_to(victim)
    with pytest.raises(OSError, match=r"symbolic links|Too many levels"):
        open_log(tmp_path / "linked.log", fresh=True)  # refused before anything is emptied
    assert victim.read_text() == "keep\n"


def test_a_canary_server_log_planted_as_a_link_is_refused(tmp_path: Path) -> None:
    """The local canary wrote its servers' logs with a plain `open("wb")`: a link planted under
    .mlops-gate/deploy/.../logs/ truncated whatever it pointed to."""
    import sys

    from mlops_gate.deploy.local.errors import DeployError
    from mlops_gate.deploy.local.servers import Processes

    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "canary.log").symlink_to(victim)
    with Processes(logs) as processes, pytest.raises(DeployError, match="cannot write the log"):
        processes._popen("canary", [sys.executable, "-c", "pass"], dict(os.environ), ())
    assert victim.read_text() == "keep\n"
