"""Logs under .mlops-gate/ are appended to only as regular files, and nothing is written through a
folder of the work tree planted as a link (a planted link is refused, not followed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlops_gate.errors import InputError
from mlops_gate.fsutil import FileProblem, atomic_write_text, make_folders, open_log
from mlops_gate.paths import LOGS


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


@pytest.fixture
def work_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A work tree (the working directory) and, outside it, a folder a PR must not reach."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tree)
    return tmp_path / "elsewhere"


def test_a_log_folder_planted_as_a_link_is_refused(work_tree: Path) -> None:
    """Only the last component was checked: `.mlops-gate/logs` committed as a link to another
    folder made the tool create and append `spark.log` there."""
    Path(".mlops-gate").mkdir()
    Path(".mlops-gate/logs").symlink_to(work_tree)
    with pytest.raises(FileProblem, match=r"\.mlops-gate/logs: a symbolic link in the work tree"):
        open_log(LOGS / "spark.log")
    assert list(work_tree.iterdir()) == []


@pytest.mark.parametrize("level", [".mlops-gate", ".mlops-gate/cache"])
def test_an_atomic_write_never_goes_through_a_linked_folder(work_tree: Path, level: str) -> None:
    Path(level).parent.mkdir(parents=True, exist_ok=True)
    Path(level).symlink_to(work_tree)
    with pytest.raises(FileProblem, match="a symbolic link in the work tree") as caught:
        atomic_write_text(Path(".mlops-gate/cache/gates/key.json"), "{}")
    assert isinstance(caught.value, InputError)  # exit 2, one line
    assert list(work_tree.iterdir()) == []


def test_a_folder_that_is_a_file_is_named(work_tree: Path) -> None:
    Path(".mlops-gate").write_text("not a folder")
    with pytest.raises(NotADirectoryError, match=r"Not a directory: '\.mlops-gate'"):
        make_folders(Path(".mlops-gate/logs"))
    with pytest.raises(FileProblem, match=r"^\.mlops-gate/x: cannot write: \.mlops-gate is not a"):
        atomic_write_text(Path(".mlops-gate/x"), "{}")  # the user's mistake, named (exit 2)


def test_folders_are_made_level_by_level_and_returned(work_tree: Path) -> None:
    assert make_folders(Path(".mlops-gate/logs")) == Path(".mlops-gate/logs")
    assert Path(".mlops-gate/logs").is_dir()
    assert make_folders(Path(".")) == Path(".")  # a file in the working directory itself
    assert make_folders(Path("a/b"), root=work_tree) == work_tree / "a" / "b"


def test_the_users_own_absolute_path_may_go_through_links(tmp_path: Path) -> None:
    """`--json /some/link/out/results.json`: the user's path, not the pull request's."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    atomic_write_text(tmp_path / "link" / "out" / "results.json", "{}")
    assert (tmp_path / "real" / "out" / "results.json").read_text() == "{}"
