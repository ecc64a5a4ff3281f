"""The files of a generation policy: eval rows, outputs and labels (JSONL), rubrics, schemas.

Every one comes from the pull request: each is opened only as a regular file and read up to a
size limit, and each problem is one line naming the file (and the line of a JSONL row).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from mlops_gate.errors import InputError
from mlops_gate.gates.generation import EvalRow, name_ids
from mlops_gate.loaders.text_files import read_jsonl


def row_id(row: dict[str, Any], path: Path, number: int) -> str:
    """A row's `id` (a string or an integer) as a string."""
    value = row.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise InputError(f"{path}: row {number} has no `id` (a string or an integer)")
    return str(value)


def _text(row: dict[str, Any], key: str, path: Path, number: int, *, required: bool) -> str | None:
    value = row.get(key)
    if value is None and not required:
        return None
    if isinstance(value, list) and key == "context" and all(isinstance(v, str) for v in value):
        return "\n\n".join(value)
    if not isinstance(value, str):
        need = "has no" if value is None else "has a non-text"
        raise InputError(f"{path}: row {number} (id {row.get('id')!r}) {need} `{key}`")
    return value


def eval_rows(path: Path) -> tuple[EvalRow, ...]:
    """The eval set: `id`, `input`, optional `reference` and `context` (a string or a list of
    passages); ids unique, at least one row."""
    rows = []
    for number, row in enumerate(read_jsonl(path, "eval"), start=1):
        rows.append(
            EvalRow(
                id=row_id(row, path, number),
                input=_text(row, "input", path, number, required=True) or "",
                reference=_text(row, "reference", path, number, required=False),
                context=_text(row, "context", path, number, required=False),
            )
        )
    if not rows:
        raise InputError(f"{path}: the eval set has no rows")
    _unique([row.id for row in rows], path)
    return tuple(rows)


def output_texts(path: Path) -> dict[str, str]:
    """Pre-generated outputs: `{id, output}` rows, ids unique."""
    found: dict[str, str] = {}
    for number, row in enumerate(read_jsonl(path, "outputs"), start=1):
        key = row_id(row, path, number)
        if key in found:
            raise InputError(f"{path}: id {key!r} appears twice")
        found[key] = _text(row, "output", path, number, required=True) or ""
    return found


def _unique(ids: list[str], path: Path) -> None:
    twice = sorted(key for key, count in Counter(ids).items() if count > 1)
    if twice:
        raise InputError(f"{path}: ids appear more than once: {name_ids(twice)}")
