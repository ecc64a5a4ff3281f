"""Reports with every kind of gate detail (DESIGN.md shapes), for the reporters and GitHub tests."""

from __future__ import annotations

from mlops_gate.report import CheckReport
from mlops_gate.results import GateResult, Verdict

# What a column name, group value or message may try to smuggle into a report a reviewer trusts.
INJECTIONS = ["](http://x)", "![](x)", "@org/team", "a|b", "<script>alert(1)</script>"]
SHA = "0123456789abcdef0123456789abcdef01234567"


def drift_gate(
    columns: dict[str, float] | None = None, verdict: Verdict = Verdict.FAIL
) -> GateResult:
    columns = columns or {"amount": 0.31, "age": 0.14, "income": 0.05, "country": 0.02}
    bins = {
        "amount": {
            "edges": [10.0, 25.0, 60.0],
            "reference": [0.25, 0.25, 0.25, 0.25],
            "current": [0.1, 0.2, 0.3, 0.4],
        },
        "age": {
            "edges": [30.0, 45.0],
            "reference": [0.3, 0.4, 0.28, 0.02],
            "current": [0.2, 0.4, 0.35, 0.05],
        },
        "country": {
            "categories": ["DE", "FR", "US"],
            "reference": [0.3, 0.3, 0.4],
            "current": [0.28, 0.32, 0.4],
        },
    }
    return GateResult(
        id="drift",
        type="drift",
        verdict=verdict,
        value=max(columns.values()),
        threshold=0.2,
        message="PSI 0.31 on amount",
        details={"comparator": "≤", "warn": 0.1, "columns": columns, "bins": bins},
        policy_line=18,
    )


def full_report(name: str = "fraud-detector", *, drift: GateResult | None = None) -> CheckReport:
    """A failing report with a metric (CI, champion), drift, bias, latency and size gate."""
    metric = GateResult(
        id="metric:f1",
        type="metric",
        verdict=Verdict.PASS,
        value=0.931,
        threshold=0.9,
        baseline_value=0.912,
        details={"comparator": "≥", "ci_low": 0.915, "ci_high": 0.946},
        policy_line=12,
    )
    bias = GateResult(
        id="bias:sex",
        type="bias",
        verdict=Verdict.WARN,
        value=0.045,
        threshold=0.05,
        message="selection rates differ by 0.045",
        policy_line=15,
        details={
            "comparator": "≤",
            "groups": {
                "female": {
                    "rows": 980,
                    "selection_rate": 0.21,
                    "tpr": 0.88,
                    "fpr": 0.05,
                    "excluded": False,
                },
                "male": {
                    "rows": 1020,
                    "selection_rate": 0.255,
                    "tpr": 0.9,
                    "fpr": 0.07,
                    "excluded": False,
                },
            },
        },
    )
    latency = GateResult(
        id="latency:cpu:p95",
        type="latency",
        verdict=Verdict.PASS,
        value=12.4,
        threshold=100.0,
        baseline_value=11.9,
        details={
            "comparator": "≤",
            "p50_ms": 8.1,
            "p95_ms": 12.4,
            "p99_ms": 19.7,
            "throughput_rps": 120.5,
            "provider": "CPUExecutionProvider",
        },
        policy_line=13,
    )
    size = GateResult(
        id="size",
        type="size",
        verdict=Verdict.PASS,
        value=1.2,
        threshold=500.0,
        details={"comparator": "≤", "bytes": 1_258_291},
        policy_line=17,
    )
    return CheckReport(
        policy_name=name,
        policy_path="mlops-gate.yaml",
        policy_sha256="ab" * 32,
        gates=[metric, drift or drift_gate(), bias, latency, size],
        model_path="models/model.onnx",
        model_sha256="cd" * 32,
        baseline_uri="models:/fraud-detector@champion",
        started_at="2025-01-01T00:00:00+00:00",
        duration_s=4.2,
    )


def passing_report(name: str = "fraud-detector") -> CheckReport:
    metric = GateResult(
        id="metric:f1",
        type="metric",
        verdict=Verdict.PASS,
        value=0.95,
        threshold=0.9,
        details={"comparator": "≥"},
        policy_line=12,
    )
    return CheckReport(
        policy_name=name, policy_path="mlops-gate.yaml", policy_sha256="ab" * 32, gates=[metric]
    )


def injection_report() -> CheckReport:
    """Every payload as a drift column, a bias group, a gate message and the policy name."""
    columns = {payload: 0.3 - i * 0.01 for i, payload in enumerate(INJECTIONS)}
    bins = {
        payload: {"categories": [payload, "x"], "reference": [0.5, 0.5], "current": [0.4, 0.6]}
        for payload in INJECTIONS
    }
    drift = GateResult(
        id="drift",
        type="drift",
        verdict=Verdict.FAIL,
        value=0.3,
        threshold=0.2,
        message=" ".join(INJECTIONS),
        details={"warn": 0.1, "columns": columns, "bins": bins},
        policy_line=9,
    )
    groups = {
        payload: {"rows": 10, "selection_rate": 0.5, "tpr": 0.5, "fpr": 0.1}
        for payload in INJECTIONS
    }
    bias = GateResult(
        id="bias",
        type="bias",
        verdict=Verdict.PASS,
        value=0.0,
        threshold=0.05,
        details={"groups": groups},
        policy_line=10,
    )
    return CheckReport(
        policy_name="fraud <script>x</script>",
        policy_path="mlops-gate.yaml",
        policy_sha256="ab" * 32,
        gates=[drift, bias],
    )


# What a column name may try against a Mermaid chart inside a PR comment's code fence.
MERMAID_INJECTIONS = ['a"]\nbar [9', "x`y", "a-->b", "```\n@org", "%%{init}%%", "c,d]"]


def expectations_gate() -> GateResult:
    """Two expectations, the second failing with unexpected samples that are markup."""
    return GateResult(
        id="expectations:eval",
        type="expectations",
        verdict=Verdict.FAIL,
        value=1.0,
        threshold=0.0,
        message="1 of 2 expectations failed on eval",
        details={
            "comparator": "≤",
            "data": "eval",
            "rows": 200,
            "expectations": [
                {
                    "type": "expect_column_values_to_not_be_null",
                    "kwargs": {"column": "age"},
                    "success": True,
                    "observed_value": None,
                    "unexpected_count": 0,
                    "unexpected_percent": 0.0,
                },
                {
                    "type": "expect_column_values_to_be_between",
                    "kwargs": {"column": "amount", "min_value": 0, "max_value": 100},
                    "success": False,
                    "observed_value": 250.5,
                    "unexpected_count": 7,
                    "unexpected_percent": 3.5,
                    "unexpected_samples": ["<img src=x onerror=alert(1)>", 250.5, 101, 1e9, -1, 7],
                },
            ],
        },
    )


def sliced_metric_gate() -> GateResult:
    """A metric gate with slices (issue 16 shape): one failing, one passing, one skipped."""
    slices = [
        {"slice": {"region": "north"}, "name": "region=north", "rows": 400, "value": 0.91,
         "ci_low": 0.88, "ci_high": 0.93, "verdict": "pass", "message": "ok"},
        {"slice": {"region": "south"}, "name": "region=south", "rows": 380, "value": 0.82,
         "ci_low": 0.78, "ci_high": 0.86, "verdict": "fail", "message": "below 0.85"},
        {"slice": {"region": "west"}, "name": "region=west", "rows": 12, "verdict": "skip"},
    ]  # fmt: skip
    return GateResult(
        id="metric:accuracy:by-region",
        type="metric",
        verdict=Verdict.FAIL,
        value=0.82,
        threshold=0.85,
        message="worst of 3 slices (1 fail, 1 skip): below 0.85",
        details={
            "comparator": "≥",
            "metric": "accuracy",
            "slices": slices,
            "worst_slice": "region=south",
            "ci_low": 0.78,
            "ci_high": 0.86,
        },
    )


def ratio_bias_gate() -> GateResult:
    """A four-fifths-rule bias gate: per-group ratios against `min: 0.8`, with an interval."""
    groups = {
        "A": {"rows": 500, "selection_rate": 0.5, "tpr": None, "ratio": 1.0, "excluded": False},
        "B": {"rows": 450, "selection_rate": 0.35, "tpr": None, "ratio": 0.7, "excluded": False},
    }
    return GateResult(
        id="bias:group",
        type="bias",
        verdict=Verdict.FAIL,
        value=0.7,
        threshold=0.8,
        message="ratio 0.7 below 0.8",
        details={
            "comparator": "≥",
            "metric": "demographic_parity_ratio",
            "groups": groups,
            "interval": {"low": 0.62, "high": 0.77, "confidence": 0.95},
        },
    )
