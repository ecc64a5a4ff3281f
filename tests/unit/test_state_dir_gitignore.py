"""`.mlops-gate/.gitignore` (issue 17, item 3): written once, atomically, never over anything."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from mlops_gate import paths


def test_written_when_the_folder_exists_and_has_none(tmp_path: Path) -> None:
    state = tmp_path / ".mlops-gate"
    assert paths.ignore_state_dir(state) is False  # no folder: nothing used it, nothing made
    assert not state.exists()
    state.mkdir()
    assert paths.ignore_state_dir(state) is True
    assert (state / ".gitignore").read_text(encoding="utf-8") == paths.GITIGNORE_TEXT
    assert paths.GITIGNORE_TEXT.splitlines()[-1] == "*"
    assert paths.ignore_state_dir(state) is False  # once
    assert sorted(p.name for p in state.iterdir()) == [".gitignore"]  # no temporary file left


def test_a_users_own_file_or_link_is_never_replaced(tmp_path: Path) -> None:
    state = tmp_path / ".mlops-gate"
    state.mkdir()
    (state / ".gitignore").write_text("evidence.json\n", encoding="utf-8")
    assert paths.ignore_state_dir(state) is False
    assert (state / ".gitignore").read_text(encoding="utf-8") == "evidence.json\n"
    other = tmp_path / "other"
    other.mkdir()
    (other / ".gitignore").symlink_to(tmp_path / "elsewhere")  # dangling: not followed, kept
    assert paths.ignore_state_dir(other) is False
    assert not (tmp_path / "elsewhere").exists()


def test_a_state_folder_that_is_a_symlink_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (tmp_path / ".mlops-gate").symlink_to(target)
    assert paths.ignore_state_dir(tmp_path / ".mlops-gate") is False
    assert list(target.iterdir()) == []


def test_racing_writers_make_one_file(tmp_path: Path) -> None:
    state = tmp_path / ".mlops-gate"
    state.mkdir()
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda: results.append(paths.ignore_state_dir(state)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    assert (state / ".gitignore").read_text(encoding="utf-8") == paths.GITIGNORE_TEXT
    assert sorted(os.listdir(state)) == [".gitignore"]
