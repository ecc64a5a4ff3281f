"""A run per `check` when a registry is configured (issue #4, item 2; issue 17, item 4).

The run lives in the experiment `mlops-gate/<policy name>`: every gate's value (and baseline value)
as a metric under its gate key (`gate.<id>`) and under the name MLflow users know
(`registry/metric_names.py`: `f1_score`, `drift.psi.<column>`, ...), thresholds as params,
verdict, policy and hashes as tags, the eval and reference data as MLflow datasets
(`registry/datasets.py`), and the results JSON, the Markdown report, the HTML report (when the
check wrote one) and the evidence file as artifacts. Metrics and tags go in one `log_batch`.
"""

from __future__ import annotations

import math
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.registry.metric_names import known_metrics
from mlops_gate.registry.mlflow_client import ensure_experiment

if TYPE_CHECKING:
    from mlops_gate.registry.datasets import DataFile
    from mlops_gate.registry.mlflow_client import Registry
    from mlops_gate.report import CheckReport

_KEY_CHARS = re.compile(r"[^A-Za-z0-9_.:/ -]")
ARTIFACT_DIR = "mlops-gate"


def metric_key(gate_id: str, suffix: str = "") -> str:
    """A gate id as an MLflow metric key (`metric:f1#2` → `gate.metric:f1_2`)."""
    return f"gate.{_KEY_CHARS.sub('_', gate_id)}{suffix}"


def run_values(report: CheckReport) -> tuple[dict[str, float], dict[str, str], dict[str, str]]:
    """(metrics, params, tags) for the run of this check; non-finite numbers are left out."""
    metrics: dict[str, float] = {}
    params: dict[str, str] = {}
    for gate in report.gates:
        for suffix, value in (("", gate.value), (".baseline", gate.baseline_value)):
            if value is not None and math.isfinite(value):
                metrics[metric_key(gate.id, suffix)] = float(value)
        if gate.threshold is not None:
            params[metric_key(gate.id, ".threshold")] = repr(gate.threshold)
    metrics.update(known_metrics(report.gates))
    tags = {
        "mlops_gate.kind": "check",
        "mlops_gate.verdict": report.verdict,
        "mlops_gate.exit_code": str(int(report.exit_code)),
        "mlops_gate.policy": report.policy_name,
        "mlops_gate.policy_sha256": report.policy_sha256,
        "mlops_gate.model_sha256": report.model_sha256 or "",
        "mlops_gate.baseline_version": report.baseline_version or "",
        "mlops_gate.advisory": str(report.advisory).lower(),
    }
    if report.selected:
        tags["mlops_gate.selected"] = ",".join(report.selected)[:5000]
    tags.update(
        {f"mlops_gate.gate.{_KEY_CHARS.sub('_', g.id)}": g.verdict.value for g in report.gates}
    )
    return metrics, params, tags


def record_check(
    registry: Registry,
    report: CheckReport,
    evidence_path: Path | None = None,
    *,
    report_markdown: str | None = None,
    report_html: Path | None = None,
    data: tuple[DataFile, ...] = (),
) -> str:
    """Log the check as a finished run (with the Markdown report the caller rendered, the HTML
    report the check wrote and the data files as datasets, if any); returns its run id."""
    from mlflow.entities import Metric, Param, RunTag

    client = registry.client
    experiment = ensure_experiment(registry, report.policy_name)
    name = f"check {report.verdict} {(report.model_sha256 or 'no-model')[:12]}"
    run = registry.call("start check run", client.create_run, experiment, run_name=name)
    run_id: str = run.info.run_id
    metrics, params, tags = run_values(report)
    now = int(time.time() * 1000)
    registry.call(
        "log check results",
        client.log_batch,
        run_id,
        metrics=[Metric(key, value, now, 0) for key, value in metrics.items()],
        params=[Param(key, value) for key, value in params.items()],
        tags=[RunTag(key, value) for key, value in tags.items()],
    )
    registry.call(
        "log results JSON",
        client.log_text,
        run_id,
        report.to_json_text(),
        f"{ARTIFACT_DIR}/results.json",
    )
    if data:
        from mlops_gate.registry.datasets import dataset_inputs

        inputs = dataset_inputs(data, report.policy_name)
        registry.call("log datasets", client.log_inputs, run_id, datasets=inputs)
    if report_markdown is not None:
        registry.call(
            "log report", client.log_text, run_id, report_markdown, f"{ARTIFACT_DIR}/report.md"
        )
    if report_html is not None and report_html.is_file():
        html = report_html.read_text(encoding="utf-8")
        registry.call(
            "log HTML report", client.log_text, run_id, html, f"{ARTIFACT_DIR}/report.html"
        )
    if evidence_path is not None and evidence_path.is_file():
        registry.call("log evidence", client.log_artifact, run_id, str(evidence_path), ARTIFACT_DIR)
    registry.call("finish check run", client.set_terminated, run_id, "FINISHED")
    return run_id
