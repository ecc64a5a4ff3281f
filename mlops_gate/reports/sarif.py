"""SARIF 2.1.0 (OASIS), so GitHub code scanning shows a failing gate on its policy line.

Upload it with `github/codeql-action/upload-sarif`: each failing or erroring gate is an `error`
result and each warning a `warning`, located at the gate's line in the policy file, with one rule
per gate type (`mlops-gate/drift`). Passing and skipped gates are not results: code scanning
closes an alert when its result no longer appears. `partialFingerprints` hold the policy and the
gate id, so an alert follows its gate when lines move. A policy that does not load is a log
too (`render_problems`): one result per problem at its line and column. Every string from the policy or the data
is shown with `render.escape.visible` (control and bidi characters as `\\x1b`-style text);
`json.dumps` does the rest. Tested against the OASIS schema (tests/data/schemas/).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from mlops_gate import __version__
from mlops_gate.policy.problems import Problem
from mlops_gate.render.escape import visible
from mlops_gate.render.formatting import number, threshold
from mlops_gate.report import CheckReport
from mlops_gate.results import ADVISORY_NOTE, SELECTED_NOTE, GateResult, Verdict

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
POLICY_RULE = "mlops-gate/policy"
_LEVELS = {Verdict.FAIL: "error", Verdict.ERROR: "error", Verdict.WARN: "warning"}


def render(report: CheckReport) -> str:
    """The SARIF log of `report`: one run, its rules and one result per gate that did not pass."""
    problems = [gate for gate in report.gates if gate.verdict in _LEVELS]
    types = sorted({gate.type for gate in problems})
    results = [_result(gate, types.index(gate.type), report) for gate in problems]
    rules = [_rule(name) for name in types]
    return _log(rules, results, _properties(report), _category(report.policy_path))


def render_problems(problems: Sequence[Problem], policy_path: str) -> str:
    """The SARIF log of a policy that did not load: one `error` per problem at its line and
    column (`policy.problems.parse_problems`), under the rule `mlops-gate/policy`."""
    rule = {
        "id": POLICY_RULE,
        "name": "ValidPolicy",
        "shortDescription": _message("The mlops-gate policy file is valid"),
        "defaultConfiguration": {"level": "error"},
    }
    results = []
    for problem in problems:
        location: dict[str, Any] = {
            "artifactLocation": {"uri": policy_uri(policy_path), "uriBaseId": "%SRCROOT%"}
        }
        if problem.line is not None and problem.line >= 1:
            location["region"] = {
                "startLine": problem.line,
                "startColumn": max(problem.col or 1, 1),
            }
        results.append(
            {
                "ruleId": POLICY_RULE,
                "ruleIndex": 0,
                "level": "error",
                "message": _message(visible(problem.message)),
                "locations": [{"physicalLocation": location}],
            }
        )
    properties = {"verdict": "error", "exitCode": 2, "advisory": False}
    return _log([rule], results, properties, _category(policy_path))


def _message(text: str) -> dict[str, str]:
    """A SARIF message object. Spelt as a keyword: its key is also the name of a gate type,
    and reporters name no gate type (tests/unit/reports/test_gate_pieces.py)."""
    return dict(text=text)  # noqa: C408


def _category(policy_path: str) -> str:
    """`automationDetails.id`, code scanning's category: one per policy file, the same whether
    the policy loaded or not, so a fixed policy's next upload closes the alerts of the last."""
    return f"mlops-gate/{policy_uri(policy_path)}/"


def _log(
    rules: list[dict[str, Any]],
    results: list[dict[str, Any]],
    properties: dict[str, Any],
    automation_id: str,
) -> str:
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "mlops-gate", "version": __version__, "rules": rules}},
        "automationDetails": {"id": automation_id},
        "results": results,
        "properties": properties,
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def policy_uri(path: str) -> str:
    """The policy as a URI relative to the checkout (the working directory), `%SRCROOT%`-based;
    an absolute `file:` URI when the policy lies outside it."""
    candidate = Path(path)
    try:
        relative = candidate.resolve().relative_to(Path.cwd().resolve())
    except (ValueError, OSError):
        return candidate.resolve().as_uri() if candidate.is_absolute() else quote(path)
    return quote(PurePosixPath(relative).as_posix())


def _rule(gate_type: str) -> dict[str, Any]:
    name = visible(gate_type)
    return {
        "id": f"mlops-gate/{name}",
        "name": "".join(part.capitalize() for part in name.replace("-", "_").split("_")) + "Gate",
        "shortDescription": _message(f"The model passes its {name} gate"),
        "defaultConfiguration": {"level": "error"},
    }


def _result(gate: GateResult, rule_index: int, report: CheckReport) -> dict[str, Any]:
    message = (
        f"{gate.id} {gate.verdict.value}: value {number(gate.value)}, threshold {threshold(gate)}"
    )
    if gate.message:
        message += f": {gate.message}"
    location: dict[str, Any] = {
        "artifactLocation": {"uri": policy_uri(report.policy_path), "uriBaseId": "%SRCROOT%"}
    }
    if gate.policy_line is not None and gate.policy_line >= 1:
        location["region"] = {"startLine": gate.policy_line}
    fingerprint = hashlib.sha256(f"{report.policy_name}\0{gate.id}".encode()).hexdigest()
    return {
        "ruleId": f"mlops-gate/{visible(gate.type)}",
        "ruleIndex": rule_index,
        "level": _LEVELS[gate.verdict],
        "message": _message(visible(message)),
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {"mlopsGateId/v1": fingerprint},
        "properties": {"gate": visible(gate.id), "verdict": gate.verdict.value},
    }


def _properties(report: CheckReport) -> dict[str, Any]:
    """The verdict of the run, and the notes an advisory or selected run carries everywhere."""
    notes = [ADVISORY_NOTE] * report.advisory + [SELECTED_NOTE] * bool(report.selected)
    return {
        "verdict": report.verdict,
        "exitCode": int(report.exit_code),
        "advisory": report.advisory,
        **({"notes": notes} if notes else {}),
    }
