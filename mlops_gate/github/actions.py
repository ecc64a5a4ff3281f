"""Inside GitHub Actions, with no flag: job summary, step outputs and workflow-command annotations.

File formats and escaping follow GitHub's runner (actions/toolkit `command.ts`, `file-command.ts`):
a message escapes `%`, CR and LF; a property also escapes `:` and `,`. Outputs use the heredoc
form with a random delimiter, so no value (a path with a newline, say) can forge another output.

Every line printed is built by `workflow_command` from a fixed command name, fixed property names
and escaped values, so a message with a line break stays one command and nothing from data can
start another (`::stop-commands::` would switch ours off); the other control and bidi characters
(terminal colours in the log, reordered text) are shown as `\\x1b`-style text, in annotations
and in the job summary alike (issue 13, item 5).
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from mlops_gate.github.context import repo_path
from mlops_gate.render.escape import visible
from mlops_gate.render.formatting import number, threshold
from mlops_gate.report import CheckReport
from mlops_gate.results import Verdict

# GitHub refuses a job summary over 1 MiB per step; stay clear of it.
SUMMARY_LIMIT = 1_000_000
_LEVELS = {Verdict.FAIL: "error", Verdict.ERROR: "error", Verdict.WARN: "warning"}
_OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_COMMANDS = frozenset({"error", "warning", "notice"})
_PROPERTY_NAME = re.compile(r"^[a-zA-Z]+$")


def in_actions(env: Mapping[str, str] | None = None) -> bool:
    """True inside a GitHub Actions job (`GITHUB_ACTIONS=true`)."""
    return (os.environ if env is None else env).get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    """A workflow-command message: `%`, CR and LF encoded so one message stays one command;
    any other control or bidi character shown as text (`\\x1b`), never passed to the log."""
    text = visible(text, keep="\r\n")
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow-command property value (`file=`, `title=`): also `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_commands(report: CheckReport, policy_file: str) -> list[str]:
    """An `::error` per failing or undecided gate, a `::warning` per warning, at its policy line."""
    lines = []
    for gate in report.gates:
        level = _LEVELS.get(gate.verdict)
        if level is None:
            continue
        properties = {"file": policy_file, "title": f"mlops-gate {gate.id}: {gate.verdict.value}"}
        if gate.policy_line is not None:
            properties["line"] = str(gate.policy_line)
        message = f"{gate.id}: value {number(gate.value)}, threshold {threshold(gate)}"
        if gate.message:
            message += f": {gate.message}"
        lines.append(workflow_command(level, properties, message))
    return lines


def workflow_command(command: str, properties: Mapping[str, str], message: str) -> str:
    """One `::command key=value,...::message` line, every value escaped for the runner."""
    if command not in _COMMANDS or not all(map(_PROPERTY_NAME.match, properties)):
        raise ValueError(f"not an annotation command: {command!r} {list(properties)!r}")
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{command} {rendered}::{escape_data(message)}"


def write_outputs(path: Path, values: Mapping[str, str]) -> None:
    """Append step outputs to `$GITHUB_OUTPUT` in the heredoc form, each with a fresh delimiter."""
    chunks = []
    for name, value in values.items():
        if not _OUTPUT_NAME.match(name):
            raise ValueError(f"not an output name: {name!r}")
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        chunks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(chunks))


def append_summary(path: Path, markdown: str) -> None:
    """Append Markdown to `$GITHUB_STEP_SUMMARY`, cut with a note where it would pass the limit;
    control and bidi characters (only data can hold them) are shown as text."""
    markdown = visible(markdown, keep="\n\t")
    if len(markdown) > SUMMARY_LIMIT:
        markdown = (
            markdown[:SUMMARY_LIMIT].rsplit("\n", 1)[0]
            + "\n\n_(summary truncated: see the HTML report)_"
        )
    with path.open("a", encoding="utf-8") as handle:
        handle.write(markdown.rstrip("\n") + "\n\n")


def apply(
    report: CheckReport,
    summary_markdown: str,
    *,
    report_path: str = "",
    exit_code: int | None = None,
    env: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
) -> list[str]:
    """Everything a run inside Actions does on its own; nothing outside Actions.

    Prints the workflow commands to `stream` (stdout, where the runner reads them), appends
    `summary_markdown` to `$GITHUB_STEP_SUMMARY` and writes the outputs `verdict`, `exit-code` and
    `report` (`report_path`, e.g. the HTML report) to `$GITHUB_OUTPUT`; `exit_code` is the command's
    (default: the report's). Returns one warning line per file that could not be written: that
    never changes the verdict.
    """
    env = os.environ if env is None else env
    if not in_actions(env):
        return []
    stream = stream or sys.stdout
    policy_file = repo_path(report.policy_path, env.get("GITHUB_WORKSPACE"))
    for line in workflow_commands(report, policy_file):
        stream.write(line + "\n")
    stream.flush()
    outputs = {
        "verdict": report.verdict,  # the gates' verdict; `exit-code` is the command's
        "exit-code": str(int(report.exit_code) if exit_code is None else exit_code),
        "report": report_path,
    }
    warnings = []
    for variable in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        target = env.get(variable)
        if not target:
            continue
        try:
            if variable == "GITHUB_OUTPUT":
                write_outputs(Path(target), outputs)
            else:
                append_summary(Path(target), summary_markdown)
        except OSError as exc:
            warnings.append(f"could not write ${variable} ({target}): {exc.strerror or exc}")
    return warnings
