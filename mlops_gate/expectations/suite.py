"""Read a Great Expectations suite JSON and the policy's inline list into one list of expectations.

Accepted suite format (what GX 1.x `ExpectationSuite.to_json_dict()` writes)::

    {"name": "eval", "meta": {},
     "expectations": [{"type": "expect_...", "kwargs": {...}, "meta": {}}]}

The 0.x format (`expectation_suite_name`, `expectation_type`) is accepted too, so older suites keep
working. Every other key (`id`, `meta`, `severity`, `notes`, ...) is ignored.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from mlops_gate.errors import GateError, InputError
from mlops_gate.expectations import Expectation
from mlops_gate.loaders.files import check_readable


def load_expectations(
    suite: Path | None, inline: list[dict[str, dict[str, Any]]]
) -> list[Expectation]:
    """The suite's expectations (if any) followed by the inline ones, in the order written."""
    found = read_suite(suite) if suite is not None else []
    return found + inline_expectations(inline)


def inline_expectations(items: list[dict[str, dict[str, Any]]]) -> list[Expectation]:
    """The policy's `expect: [{expectation_type: kwargs}, ...]`, one key per item."""
    found = []
    for index, item in enumerate(items):
        for name, kwargs in item.items():
            found.append(
                Expectation(type=name, kwargs=dict(kwargs or {}), source=f"expect[{index}]")
            )
    return found


def read_suite(path: Path) -> list[Expectation]:
    """Parse a suite file; any problem is one `InputError` line naming the file."""
    document = _read_json(path)
    if not isinstance(document, Mapping) or not isinstance(document.get("expectations"), list):
        raise InputError(
            f"{path}: not a Great Expectations suite (expected a JSON object with an "
            "`expectations` list)"
        )
    return [
        _suite_entry(path, index, entry) for index, entry in enumerate(document["expectations"])
    ]


def _read_json(path: Path) -> Any:
    check_readable(path, "suite file")  # a regular file: never a FIFO or /dev/zero (issue 13)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the suite ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None


def _suite_entry(path: Path, index: int, entry: Any) -> Expectation:
    where = f"{path}: expectations[{index}]"
    if not isinstance(entry, Mapping):
        raise InputError(f"{where}: expected an object with `type` and `kwargs`")
    # GX 1.x writes `type`; 0.x wrote `expectation_type`.
    name = entry.get("type", entry.get("expectation_type"))
    if not isinstance(name, str) or not name:
        raise InputError(f"{where}: missing the expectation `type`")
    kwargs = entry.get("kwargs", {})
    if not isinstance(kwargs, Mapping):
        raise InputError(f"{where} ({name}): `kwargs` must be an object")
    return Expectation(type=name, kwargs=dict(kwargs), source=f"{path.name} expectations[{index}]")


def check_known(expectations: list[Expectation], known: Collection[str]) -> None:
    """Refuse unknown expectation types, each with the closest valid names as suggestions."""
    problems = []
    for expectation in expectations:
        if expectation.type in known:
            continue
        close = difflib.get_close_matches(expectation.type, list(known), n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(close)}?" if close else "see docs/expectations.md"
        problems.append(
            f"unknown expectation type '{expectation.type}' ({expectation.source}); {hint}"
        )
    if problems:
        raise GateError("; ".join(problems))
