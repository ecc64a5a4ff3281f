"""The PR comment with pictures (issue 17, item 2): Mermaid charts, failures first, no empty
columns, units in what changed, the artifact link; still small and inert."""

from __future__ import annotations

import re
from dataclasses import replace

from mlops_gate.reports import mermaid, pr_comment, snapshot
from mlops_gate.results import ADVISORY_NOTE, GateResult, Verdict
from tests.report_samples import MERMAID_INJECTIONS, drift_gate, full_report, passing_report

# Every line a chart may hold: keywords, quoted labels of safe characters, numbers.
_LABEL = r'"[\w .:=/+()…-]*"'
_SAFE_LINE = re.compile(
    r"^(```mermaid|```|xychart-beta|" + re.escape(mermaid.CONFIG) + r"|"
    rf"    title {_LABEL}|"
    rf"    x-axis \[{_LABEL}(, {_LABEL})*\]|"
    rf"    y-axis {_LABEL} -?[\d.e+-]+ --> -?[\d.e+-]+|"
    r"    (bar|line) \[-?[\d.e+-]+(, -?[\d.e+-]+)*\])$"
)


def _blocks(body: str) -> list[list[str]]:
    return [
        block.split("\n") for block in re.findall(r"```mermaid\n.*?\n```", body, flags=re.DOTALL)
    ]


def test_drifted_psi_and_metric_deltas_are_charted_failing_first() -> None:
    body = pr_comment.render(full_report())
    psi, deltas = _blocks(body)
    assert psi[1:] == [
        mermaid.CONFIG,
        "xychart-beta",
        '    title "drift: PSI of the drifted columns (line: fail above 0.2000)"',
        '    x-axis ["amount", "age"]',  # above warn 0.1; income and country did not drift
        '    y-axis "PSI" 0 --> 0.4',
        "    bar [0.31, 0.14]",
        "    line [0.2, 0.2]",  # the fail threshold
        "```",
    ]
    assert '    x-axis ["metric:f1"]' in deltas
    assert "    bar [0.019]" in deltas
    assert body.index("```mermaid") < body.index("### Details")


def test_no_chart_without_points() -> None:
    assert "```mermaid" not in pr_comment.render(passing_report())


def test_hostile_column_names_cannot_break_out_of_the_chart() -> None:
    columns = {name: 0.5 - i * 0.01 for i, name in enumerate(MERMAID_INJECTIONS)}
    report = replace(full_report(), gates=[drift_gate(columns)])
    body = pr_comment.render(report)
    (block,) = _blocks(body)
    for line in block:
        assert _SAFE_LINE.match(line), line
    assert body.count("```") == 2  # no fence opened or closed by a name
    assert "-->" not in block[4]  # the x axis: no arrow, no quote, no backtick, no bracket
    assert len(re.findall(r'"[^"]*"', block[4])) == len(MERMAID_INJECTIONS)


def test_labels_are_inert_and_clipped() -> None:
    assert mermaid.label('a"b`c\nd-->e%%f') == '"a_b_c_d-_e__f"'
    assert mermaid.label("") == '"_"'
    assert mermaid.label("x" * 100) == '"' + "x" * 23 + '…"'


def test_thousands_of_hostile_columns_stay_under_the_limit() -> None:
    columns = {f"{MERMAID_INJECTIONS[i % 6]}{i}" * 20: 5.0 - i * 1e-4 for i in range(5000)}
    body = pr_comment.render(replace(full_report(), gates=[drift_gate(columns)]))
    assert len(body.encode("utf-16-le")) // 2 < pr_comment.COMMENT_LIMIT
    (block,) = _blocks(body)
    assert len(re.findall(r'"[^"]*"', block[4])) == mermaid.MAX_BARS
    assert all(_SAFE_LINE.match(line) for line in block)


def test_a_truncated_comment_closes_an_open_fence() -> None:
    head = ["x", "```mermaid", "xychart-beta", "y" * 400, "bar [1]", "```"]
    body = pr_comment.fit(head, [], [], limit=600)
    assert body.count("```") == 2
    assert pr_comment.TRUNCATION_NOTE in body


def test_gate_table_puts_failures_first_and_drops_empty_columns() -> None:
    lines = pr_comment.render(full_report()).split("\n")
    start = lines.index("| gate | value | threshold | champion | Δ | verdict |")
    end = lines.index("", start)
    table = lines[start:end]
    assert table[0] == "| gate | value | threshold | champion | Δ | verdict |"
    assert [row.split(" | ")[0] for row in table[2:]] == [
        "| drift",
        "| bias:sex",
        "| metric:f1",
        "| latency:cpu:p95",
        "| size",
    ]
    assert "—" not in "\n".join(table)  # an empty cell, not a dash
    first_run = replace(
        passing_report(), gates=[replace(g, baseline_value=None) for g in passing_report().gates]
    )
    header = next(
        line for line in pr_comment.render(first_run).split("\n") if line.startswith("| gate")
    )
    assert header == "| gate | value | threshold | verdict |"  # no champion: no column


def test_what_changed_carries_units() -> None:
    before = snapshot.Snapshot.of(full_report(), None)
    gates = [
        replace(g, value=(g.value or 0) + 3.0) if g.id == "latency:cpu:p95" else g
        for g in full_report().gates
    ]
    gates = [
        replace(g, details={**g.details, "unit": "ms"}) if g.id == "latency:cpu:p95" else g
        for g in gates
    ]
    body = pr_comment.render(replace(full_report(), gates=gates), previous=before)
    assert "- **latency:cpu:p95**: 12.4 ms → 15.4 ms (+3 ms)" in body


def test_the_link_goes_to_the_artifact_when_its_id_is_known() -> None:
    from mlops_gate.github.context import ARTIFACT_ENV, from_env

    env = {"GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "42"}
    url = from_env({**env, ARTIFACT_ENV: "1234"}).report_url
    assert url == "https://github.com/o/r/actions/runs/42/artifacts/1234"
    fallback = "https://github.com/o/r/actions/runs/42#artifacts"
    assert from_env(env).report_url == fallback
    for hostile in (
        "1 OR 1",
        "12/../../x",
        "\uff11\uff12",
        " ",
        "-1",
        "9" * 21,  # longer than a 64-bit id
        "1\x1b[31m",
    ):  # never pasted into the link
        assert from_env({**env, ARTIFACT_ENV: hostile}).report_url == fallback
    assert from_env({"GITHUB_REPOSITORY": "o/r", ARTIFACT_ENV: "9"}).report_url is None  # no run
    body = pr_comment.render(full_report(), report_url=url)
    assert f"[Full HTML report]({url}) (the artifact, a zip download)" in body


def test_an_advisory_run_says_so() -> None:
    body = pr_comment.render(replace(full_report(), advisory=True))
    assert ADVISORY_NOTE.split(" (")[0] in body.replace("\\", "")
    assert ADVISORY_NOTE not in pr_comment.render(full_report())


def test_one_comment_per_policy_still() -> None:
    body = pr_comment.render(full_report("a"))
    assert body.startswith(snapshot.marker("a"))
    assert body.count(snapshot.marker("a")) == 1


def test_slices_of_a_metric_gate_get_a_breakdown() -> None:
    from tests.report_samples import sliced_metric_gate

    gate: GateResult = sliced_metric_gate()
    body = pr_comment.render(replace(full_report(), gates=[gate]))
    assert "<details><summary>metric:accuracy:by\\-region: per slice</summary>" in body
    assert "| region=south | 380 | 0.8200 | 0.7800 | 0.8600 | fail |" in body
    assert gate.verdict is Verdict.FAIL
