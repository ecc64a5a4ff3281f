"""The sticky PR comment body: marker, snapshot, what changed, size limit, escaping."""

from __future__ import annotations

import base64
import zlib
from dataclasses import replace

import pytest

from mlops_gate.reports import pr_comment, snapshot
from mlops_gate.results import GateResult, Verdict
from tests.report_samples import INJECTIONS, SHA, full_report, injection_report, passing_report


def test_marker_opens_the_body_and_is_keyed_by_policy() -> None:
    body = pr_comment.render(full_report("fraud"))
    assert body.splitlines()[0] == "<!-- mlops-gate:fraud -->"
    assert snapshot.has_marker(body, "fraud")
    assert not snapshot.has_marker(body, "fraud-v2")
    assert not snapshot.has_marker("quoted: " + body, "fraud")


def test_a_policy_name_cannot_close_the_marker() -> None:
    assert (
        snapshot.marker("x --> <b>hi</b>") == "<!-- mlops-gate:x%20--%3E%20%3Cb%3Ehi%3C%2Fb%3E -->"
    )


def test_job_summary_variant_has_no_hidden_parts() -> None:
    body = pr_comment.render(full_report(), sticky=False)
    assert "<!--" not in body


def test_snapshot_round_trips() -> None:
    report = full_report()
    decoded = snapshot.decode(pr_comment.render(report, sha=SHA))
    assert decoded == snapshot.Snapshot.of(report, SHA)
    assert decoded is not None
    assert decoded.gates["metric:f1"] == snapshot.GateSnapshot(Verdict.PASS, 0.931)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b'{"v": 2, "sha": null, "verdict": "pass", "gates": []}',
        b'{"v": 1, "sha": null, "verdict": "pass", "gates": [["a", "maybe", 1]]}',
        b'{"v": 1, "sha": null, "verdict": "pass", "gates": [["a", "pass", "1"]]}',
        b'{"v": 1, "sha": 5, "verdict": "pass", "gates": []}',
        b"[" * 10_000,
        b" " * 5_000_000,  # compresses to almost nothing: must not be inflated without bound
    ],
)
def test_a_forged_or_broken_snapshot_is_ignored(payload: bytes) -> None:
    block = base64.b64encode(zlib.compress(payload, 9)).decode()
    assert snapshot.decode(f"<!-- mlops-gate-data:{block} -->") is None


def test_what_changed_lists_verdicts_values_and_gates() -> None:
    before = full_report()
    gates = [
        replace(before.gates[0], value=0.95),
        replace(before.gates[1], verdict=Verdict.PASS, value=0.15),
    ]
    gates.append(
        GateResult(id="size:quantized", type="size", verdict=Verdict.PASS, value=0.4, threshold=1.0)
    )
    after = replace(before, gates=gates)
    previous = snapshot.decode(pr_comment.render(before, sha="1" * 40))
    body = pr_comment.render(after, previous=previous, sha=SHA)
    assert "### What changed since the previous push (`1111111`)" in body
    assert "- **overall**: ❌ FAIL → ✅ PASS" in body
    assert "- **metric:f1**: 0.9310 → 0.9500 (+0.0190)" in body
    assert "- **drift**: ❌ fail → ✅ pass, 0.3100 → 0.1500 (-0.1600)" in body
    assert "- **size:quantized**: new gate, ✅ pass" in body
    assert "- **bias:sex**: removed" in body


def test_nothing_changed_says_so() -> None:
    report = full_report()
    body = pr_comment.render(report, previous=snapshot.Snapshot.of(report, SHA), sha=SHA)
    assert "No verdict or value changed." in body


def test_only_a_safe_report_url_becomes_a_link() -> None:
    ok = pr_comment.render(
        passing_report(), report_url="https://github.com/acme/fraud/actions/runs/42#artifacts"
    )
    assert "[Full HTML report](https://github.com/acme/fraud/actions/runs/42#artifacts)" in ok
    bad = pr_comment.render(passing_report(), report_url="https://x.example/a)(javascript:alert(1)")
    assert "Full HTML report" not in bad


def test_injections_are_inert() -> None:
    body = pr_comment.render(injection_report())
    for payload in INJECTIONS:
        assert payload not in body
    assert "<script" not in body.lower()


def test_a_huge_table_keeps_whole_rows_and_the_note() -> None:
    gates = [
        GateResult(id=f"g{i:05d}" + "x" * 60, type="size", verdict=Verdict.PASS, value=1.0)
        for i in range(2000)
    ]
    report = replace(passing_report(), gates=gates)
    body = pr_comment.render(report, sha=SHA)
    assert len(body.encode("utf-16-le")) // 2 <= pr_comment.COMMENT_LIMIT
    assert pr_comment.TRUNCATION_NOTE in body
    rows = [line for line in body.splitlines() if line.startswith("| g0")]
    assert 100 < len(rows) < 2000
    assert all(line.endswith("✅ pass |") for line in rows)
    assert snapshot.decode(body) is not None


def test_emoji_heavy_body_is_measured_conservatively() -> None:
    long_message = "⚠️" * 900
    gates = [
        GateResult(id=f"g{i}", type="size", verdict=Verdict.WARN, message=long_message)
        for i in range(200)
    ]
    body = pr_comment.render(replace(passing_report(), gates=gates))
    assert len(body) <= pr_comment.COMMENT_LIMIT
    assert len(body.encode("utf-16-le")) // 2 <= pr_comment.COMMENT_LIMIT
