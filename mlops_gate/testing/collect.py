"""Inside the `pytest` gate's subprocess: write every test's outcome as JSON for the gate to read.

JUnit XML would lose what a reviewer needs: the exact node id to re-run, and hypothesis's
falsifying example, which hypothesis attaches to the exception as a note. This plugin object
(registered by the pytest plugin when `--mlops-gate-report PATH` is given) keeps both.

The file: `{"exit_status": int, "tests": [{nodeid, outcome, message, example, duration_s}],
"collection_errors": [{nodeid, message}]}`; outcome is passed, failed, error or skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mlops_gate.fsutil import atomic_write_text

if TYPE_CHECKING:
    from collections.abc import Generator

MESSAGE_CHARS = 600
EXAMPLE_CHARS = 2000
EXAMPLE_PREFIXES = ("Falsifying", "Failing test case", "Draw ")  # hypothesis, old and new


class ReportCollector:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tests: dict[str, dict[str, Any]] = {}
        self.collection_errors: list[dict[str, str]] = []
        self.examples: dict[str, str] = {}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.excinfo is not None:
            found = falsifying_examples(call.excinfo.value)
            if found:
                fixtures = set(getattr(item, "fixturenames", ()))
                text = "\n".join(_without_fixtures(note, fixtures) for note in found)
                self.examples[item.nodeid] = text[:EXAMPLE_CHARS]
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        entry = self.tests.setdefault(
            report.nodeid, {"nodeid": report.nodeid, "outcome": "passed", "message": ""}
        )
        entry["duration_s"] = round(entry.get("duration_s", 0.0) + report.duration, 4)
        outcome = _outcome(report)
        if outcome is None or entry["outcome"] in ("failed", "error"):
            return  # the first problem is the one to report
        entry["outcome"] = outcome
        entry["message"] = _message(report)
        if report.nodeid in self.examples:
            entry["example"] = self.examples[report.nodeid]

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(
                {"nodeid": report.nodeid or ".", "message": report.longreprtext[-MESSAGE_CHARS:]}
            )

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        document = {
            "exit_status": int(exitstatus),
            "tests": list(self.tests.values()),
            "collection_errors": self.collection_errors,
        }
        atomic_write_text(self.path, json.dumps(document, indent=1, default=str))


def _outcome(report: pytest.TestReport) -> str | None:
    """A phase's outcome for the test, or None when the phase changes nothing."""
    if report.failed:
        return "failed" if report.when == "call" else "error"
    if report.skipped:
        return "skipped"
    return "passed" if report.when == "call" else None


def _message(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # a skip: (path, line, reason)
        return str(longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(longrepr, "reprcrash", None)
    text = str(getattr(crash, "message", "") or report.longreprtext)
    return text.removeprefix("Failed: ")[:MESSAGE_CHARS]  # pytest.fail's own prefix


def _without_fixtures(example: str, fixtures: set[str]) -> str:
    """The example without its fixture arguments (the model, the options): the same every time,
    and long enough to push the generated rows out of a one-line message."""
    kept = []
    for line in example.splitlines():
        name = line.strip().split("=", 1)[0]
        if not (line.startswith("    ") and name in fixtures and line.rstrip().endswith(",")):
            kept.append(line)
    return "\n".join(kept)


def falsifying_examples(error: BaseException) -> list[str]:
    """Hypothesis's falsifying examples, from the notes of the error (and of a group's members)."""
    found = [
        note
        for note in getattr(error, "__notes__", [])
        if isinstance(note, str) and note.startswith(EXAMPLE_PREFIXES)
    ]
    for member in getattr(error, "exceptions", ()):  # several distinct failures: an ExceptionGroup
        found.extend(falsifying_examples(member))
    return found
