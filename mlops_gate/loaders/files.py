"""Checks every input file gets before a library is allowed to parse it."""

from __future__ import annotations

from pathlib import Path

from mlops_gate.errors import InputError

_LFS_MAGIC = b"version https://git-lfs.github.com/spec/v1"


def check_readable(path: Path, what: str) -> None:
    """Raise a one-line `InputError` for a missing, empty, unreadable or Git-LFS-pointer file."""
    if not path.exists():
        raise InputError(f"{path}: {what} not found")
    if path.is_dir():
        raise InputError(f"{path}: {what} is a directory, expected a file")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_LFS_MAGIC))
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {exc.strerror}") from None
    if not head:
        raise InputError(f"{path}: {what} is empty (0 bytes)")
    if head == _LFS_MAGIC:
        raise InputError(
            f"{path}: {what} is a Git LFS pointer, not the file itself "
            "(run `git lfs pull`, or `lfs: true` on actions/checkout)"
        )
