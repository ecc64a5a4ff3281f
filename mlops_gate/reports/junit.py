"""JUnit XML: one testcase per gate; `fail` is a failure, `error` an error, `skip` skipped.

With `check --artifacts`, each quantized variant's model gates are testcases too, named
`<variant>/<gate id>`, so a failing variant fails the suite as it fails the check.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from mlops_gate.render.formatting import number, threshold
from mlops_gate.report import CheckReport
from mlops_gate.results import Verdict


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
        name=f"mlops-gate.{report.policy_name}",
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
            classname=f"mlops-gate.{report.policy_name}.{gate.type}",
            name=name,
            time=f"{gate.duration_s:.3f}",
        )
        summary = f"value {number(gate.value)}, threshold {threshold(gate)}: {gate.message}"
        if gate.verdict is Verdict.FAIL:
            ET.SubElement(case, "failure", message=summary, type="gate-failed").text = gate.message
        elif gate.verdict is Verdict.ERROR:
            ET.SubElement(
                case, "error", message=gate.message, type="gate-error"
            ).text = gate.message
        elif gate.verdict is Verdict.SKIP:
            ET.SubElement(case, "skipped", message=gate.message)
        elif gate.verdict is Verdict.WARN:
            ET.SubElement(case, "system-out").text = f"warning: {summary}"
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
