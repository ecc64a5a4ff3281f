"""Text, JSON and JSON-lines files a pull request can change, read safely.

Each is opened only as a regular file (`fsutil.open_regular`) and read up to a size limit, and
each problem is one line naming the file (and the line of a JSON-lines row). The LLM policy's
files and the local canary's request file are read here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlops_gate.errors import InputError
from mlops_gate.fsutil import open_regular

MAX_JSONL_BYTES = 256 << 20
MAX_TEXT_BYTES = 1 << 20


def read_text(path: Path, what: str, limit: int = MAX_TEXT_BYTES) -> str:
    """A UTF-8 text file of at most `limit` bytes."""
    with open_regular(path, what) as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise InputError(f"{path}: {what} is over {limit >> 10} KiB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: {what} is not UTF-8 text") from None


def read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(read_text(path, what))
    except ValueError as exc:
        raise InputError(f"{path}: {what} is not JSON: {exc}") from None


def read_jsonl(path: Path, what: str) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file, one a line (blank lines skipped)."""
    rows = []
    text = read_text(path, what, MAX_JSONL_BYTES)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{path}:{number}: not JSON: {exc}") from None
        if not isinstance(row, dict):
            raise InputError(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
        rows.append(row)
    return rows
