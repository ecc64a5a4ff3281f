"""Small file helpers: atomic writes, content hashes, and opening only regular files.

Every path here can come from a pull request (docs/security.md): a model that is a symlink to
`/dev/zero` or a FIFO must be refused before a byte is read, and an output path that is a
directory is the user's mistake (exit 2), not a bug (issue 13, items 4 and 6).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from mlops_gate.errors import InputError

_CHUNK = 1 << 20


class FileProblem(InputError, OSError):
    """A file that cannot be used: one line naming it, exit 2.

    Also an `OSError`, so the callers that treat an unreadable or unwritable file as "skip it"
    (the result cache, the crash log) keep doing so without knowing this class.
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.strerror = reason


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "not a regular file"


def _check_regular(path: Path, what: str, info: os.stat_result) -> os.stat_result:
    kind = _kind(info.st_mode)
    if kind is not None:
        raise FileProblem(path, f"{what} is {kind}, expected a regular file")
    return info


def regular_file_stat(path: Path, what: str = "file") -> os.stat_result:
    """`os.stat(path)` (symlinks followed) when it is a regular file; else a `FileProblem`."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileProblem(path, f"{what} not found") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise FileProblem(path, f"cannot read {what}: {_reason(exc)}") from None
    return _check_regular(path, what, info)


def open_regular(path: Path, what: str = "file") -> BinaryIO:
    """`path` opened for binary reading, only if it is a regular file (symlinks followed).

    Checked before opening (opening a device can have effects of its own), opened without
    blocking (a FIFO swapped in since waits for no writer) and checked again on the open file.
    """
    regular_file_stat(path, what)
    try:
        handle = open(path, "rb", opener=_nonblocking)  # noqa: SIM115 (the caller closes it)
    except (OSError, ValueError) as exc:
        raise FileProblem(path, f"cannot read {what}: {_reason(exc)}") from None
    try:
        _check_regular(path, what, os.fstat(handle.fileno()))
    except BaseException:
        handle.close()
        raise
    return handle


def read_regular(path: Path, what: str = "file") -> bytes:
    """The bytes of `path`, only if it is a regular file (`open_regular`): a file in the work tree
    that a pull request swapped for a FIFO or a link to /dev/zero is refused, not read forever."""
    with open_regular(path, what) as handle:
        try:
            return handle.read()
        except OSError as exc:
            raise FileProblem(path, f"cannot read {what}: {_reason(exc)}") from None


def open_log(path: Path, *, fresh: bool = False) -> BinaryIO:
    """`path` opened to append a log (created 0600 with its folder), never through a symlink and
    only if it is a regular file: a log a pull request planted under `.mlops-gate/` as a link to
    another file (or a FIFO), or a folder on its way planted as a link, is refused, not written
    through. `fresh`: emptied first (once it is known to be a regular file). OSError when
    refused."""
    make_folders(path.parent)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
    fd = os.open(path, flags, 0o600)
    if _kind(os.fstat(fd).st_mode) is not None:
        os.close(fd)
        raise OSError(f"{path} is not a regular file")
    if fresh:
        os.ftruncate(fd, 0)
    return os.fdopen(fd, "ab")


def make_folders(folder: Path, mode: int = 0o777, root: Path | None = None) -> Path:
    """Create `folder` level by level and return it; a level that is a symlink or a file is
    refused: a link is a `FileProblem` (exit 2, one line; an `OSError` too), never followed, and a
    file is mkdir's own `NotADirectoryError`.

    The levels checked are those below `root`: for a relative folder, the working directory,
    which is the work tree a pull request writes (a PR that commits `.mlops-gate/logs` as a link
    to another folder must not make the tool write there). An absolute folder without `root` is
    the user's own path (`--json /tmp/x/r.json`) and is created as given, links and all.
    """
    if root is None and folder.is_absolute():
        folder.mkdir(mode=mode, parents=True, exist_ok=True)
        return folder
    current = root or Path()
    current.mkdir(mode=mode, parents=True, exist_ok=True)  # the root itself is trusted
    for part in folder.parts:
        current = current / part
        with contextlib.suppress(FileExistsError):
            current.mkdir(mode=mode)
        kind = os.lstat(current).st_mode
        if stat.S_ISLNK(kind):
            raise FileProblem(current, "a symbolic link in the work tree: refused, not followed")
        if not stat.S_ISDIR(kind):  # what mkdir itself would say
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(current))
    return current


def _nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)


def _reason(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def sha256_file(path: Path) -> str:
    """The sha256 of a regular file's bytes; anything else (a device, a FIFO) is refused."""
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_file_memo(path: Path) -> str:
    """`sha256_file`, computed once per process for a file whose size and mtime are unchanged.

    `check` hashes the same model and data files for the result cache and the evidence file;
    this reads each once. Code that must re-verify bytes (promote) uses `sha256_file`.
    """
    info = regular_file_stat(path)
    return _memo_digest(str(path.resolve()), info.st_size, info.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _memo_digest(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(Path(path))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half of it.

    A path that cannot be written (a directory, a parent that is a file, no permission, a full
    disk) is a `FileProblem` naming it: these are the user's paths (`--json`, `.mlops-gate/`).
    """
    try:
        _write_atomically(path, data)
    except OSError as exc:
        if isinstance(exc, FileProblem):
            raise
        raise FileProblem(path, f"cannot write: {_write_problem(path, exc)}") from None


def _write_atomically(path: Path, data: bytes) -> None:
    make_folders(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; a report or evidence file is as readable as any file the user writes.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_problem(path: Path, exc: OSError) -> str:
    """Why `path` could not be written, naming the part of the path at fault."""
    if path.is_dir():
        return "it is a directory"
    for parent in path.parents:
        if os.path.lexists(parent):
            if not parent.is_dir():
                return f"{parent} is not a directory"
            break
    return _reason(exc)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
