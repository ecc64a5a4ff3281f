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
