"""Checks every input file gets before a library is allowed to parse it.

`check_readable` is the one gate for model, data and suite files: a regular file (symlinks
followed, then the target checked: never a device, FIFO or directory), within the size its format
allows, not empty, not a Git LFS pointer (issue 13, item 6: a model linked to `/dev/zero` was read
for 7.7 GB).
"""

from __future__ import annotations

import os
from pathlib import Path

from mlops_gate.errors import InputError
from mlops_gate.fsutil import open_regular
from mlops_gate.loaders.onnx_external import MAX_MODEL_BYTES

_LFS_MAGIC = b"version https://git-lfs.github.com/spec/v1"

# The largest file each format can hold, by suffix; formats without a limit are absent.
_MAX_BYTES = {".onnx": (MAX_MODEL_BYTES, "over protobuf's 2 GiB limit for an ONNX file")}


def check_readable(path: Path, what: str) -> None:
    """Raise a one-line `InputError` for a missing, non-regular, too large, empty, unreadable or
    Git-LFS-pointer file."""
    with open_regular(path, what) as handle:
        _check_size(path, what, os.fstat(handle.fileno()).st_size)
        try:
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


def _check_size(path: Path, what: str, size: int) -> None:
    limit = _MAX_BYTES.get(path.suffix.lower())
    if limit is not None and size > limit[0]:
        raise InputError(f"{path}: {what} is {size} bytes, {limit[1]}")
