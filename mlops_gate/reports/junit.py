"""JUnit XML: one testcase per gate; `fail` is a failure, `error` an error, `skip` skipped.

With `check --artifacts`, each quantized variant's model gates are testcases too, named
`<variant>/<gate id>`, so a failing variant fails the suite as it fails the check.

XML 1.0 cannot hold most control characters (a parser rejects the whole file), so every string
from the policy, data or a model goes through `escape.xml_text`: controls and bidi overrides are
written as visible `\\x1b`-style text, line breaks too: a reporter that prints a failure's text
into a CI log must not find a line that data begins (a forged `::error`; issue 13, item 5).
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from mlops_gate.render.escape import xml_text
from mlops_gate.render.formatting import number, threshold
from mlops_gate.report import CheckReport
from mlops_gate.results import GateResult, Verdict


def render(report: CheckReport) -> str:
    gates = list(report.gates)
    names = [gate.id for gate in gates]
    for variant in report.variants[1:]:
        for gate in variant.gates:
            if gate.id not in variant.shared:
                gates.append(gate)
                names.append(f"{variant.variant}/{gate.id}")
    suite = ET.Element(
        "testsuite",
        name=xml_text(f"mlops-gate.{report.policy_name}"),
        tests=str(len(gates)),
        failures=str(sum(g.verdict is Verdict.FAIL for g in gates)),
        errors=str(sum(g.verdict is Verdict.ERROR for g in gates)),
        skipped=str(sum(g.verdict is Verdict.SKIP for g in gates)),
        time=f"{report.duration_s:.3f}",
    )
    for gate, name in zip(gates, names, strict=True):
        case = ET.SubElement(
            suite,
            "testcase",
            classname=xml_text(f"mlops-gate.{report.policy_name}.{gate.type}"),
            name=xml_text(name),
            time=f"{gate.duration_s:.3f}",
        )
        _outcome(case, gate)
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def _outcome(case: ET.Element, gate: GateResult) -> None:
    """The failure, error, skip or warning of one testcase; a pass has none."""
    message = xml_text(gate.message)
    summary = xml_text(f"value {number(gate.value)}, threshold {threshold(gate)}: {gate.message}")
    if gate.verdict is Verdict.FAIL:
        ET.SubElement(case, "failure", message=summary, type="gate-failed").text = message
    elif gate.verdict is Verdict.ERROR:
        ET.SubElement(case, "error", message=message, type="gate-error").text = message
    elif gate.verdict is Verdict.SKIP:
        ET.SubElement(case, "skipped", message=message)
    elif gate.verdict is Verdict.WARN:
        ET.SubElement(case, "system-out").text = f"warning: {summary}"
