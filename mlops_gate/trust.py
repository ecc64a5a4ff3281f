"""Bind what the tool writes into the work tree to this machine (issue 13; docs/security.md).

`.mlops-gate/` lies in the work tree, so a pull request can commit any file there, and every
key the tool derives (a cache key, a results key) can be computed by anyone. A record read back
from there is believed only when it carries an HMAC-SHA256 made with this machine's key, a file
outside the work tree (`$XDG_CACHE_HOME/mlops-gate/cache.key`, else `~/.cache/...`) created
0600 on first use. Where no key can be read or created (a read-only home), callers trust and
store nothing: one warning line, never an error.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

KEY_ENV = "MLOPS_GATE_CACHE_KEY_FILE"
"""Where the key lives, overriding the default (tests; a runner with an unusual home)."""
KEY_BYTES = 32
MAC_FIELD = "mac"


def key_path() -> Path:
    """The key file: `$MLOPS_GATE_CACHE_KEY_FILE`, else under the user's cache directory."""
    override = os.environ.get(KEY_ENV)
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec ignores a relative value; here it would also put the key in the work tree.
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "mlops-gate" / "cache.key"


def machine_key() -> bytes | None:
    """This machine's key, created on first use; None (after one warning line) when unusable."""
    try:
        path = key_path()
    except RuntimeError as exc:  # Path.home() without HOME or a passwd entry
        _warn(f"no home directory for the cache key ({exc}): the result cache is off")
        return None
    return _key_at(path)


@functools.lru_cache(maxsize=8)  # once per process and path: one warning, not one per gate
def _key_at(path: Path) -> bytes | None:
    try:
        key = _read_or_create(path)
    except OSError as exc:
        _warn(f"cannot use the cache key {path} ({exc.strerror or exc}): the result cache is off")
        return None
    if len(key) != KEY_BYTES:
        _warn(
            f"{path} is not a {KEY_BYTES}-byte key (delete it to make a new one): the result cache is off"
        )
        return None
    return key


def _read_or_create(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".cache.key.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        # A link appears whole and never replaces a key another process created meanwhile.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    return path.read_bytes()


def seal(key: bytes, purpose: str, document: Mapping[str, Any]) -> dict[str, Any]:
    """`document` as plain JSON data plus its `mac` for `purpose` (ValueError: not JSON data)."""
    plain = json.loads(json.dumps(document, allow_nan=False))  # as it will read back
    return {**plain, MAC_FIELD: _mac(key, purpose, plain)}


def unseal(key: bytes, purpose: str, entry: object) -> dict[str, Any] | None:
    """The entry without its `mac` when that is this machine's MAC for `purpose`, else None."""
    if not isinstance(entry, dict):
        return None
    document = dict(entry)
    mac = document.pop(MAC_FIELD, None)
    if not isinstance(mac, str):
        return None
    try:
        expected = _mac(key, purpose, document)
    except (TypeError, ValueError):  # NaN, or keys that do not sort
        return None
    return document if hmac.compare_digest(mac, expected) else None


def _mac(key: bytes, purpose: str, document: Mapping[str, Any]) -> str:
    # The purpose keeps a MAC made for one kind of record from vouching for another kind.
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
    message = purpose.encode("utf-8") + b"\0" + text.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _warn(line: str) -> None:
    print(f"warning: {line}", file=sys.stderr)
