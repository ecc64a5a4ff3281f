"""`check` (and `run`'s check) logged as an MLflow run when the policy uses a registry.

An unchanged re-run (every gate from the result cache, so the very same results) is not logged
twice: the earlier run's id is returned (`new=False`), which keeps a warm `check` fast (MLflow and
its store cost seconds to open). `use_cache=False` (`--no-cache`) logs it anyway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate import paths
from mlops_gate.commands.outcome import SideEffect
from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.errors import MlopsGateError
from mlops_gate.fsutil import atomic_write_text, sha256_bytes

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.report import CheckReport

RECORDED_DIR = paths.RECORDED_RUNS


@dataclass(frozen=True)
class RecordedRun:
    run_id: str
    new: bool
    """False: the same results (every value, verdict and input hash) were already recorded as
    `run_id` by an earlier check, and nothing was sent to the registry."""

    def line(self) -> str:
        if self.new:
            return f"recorded run {self.run_id}"
        return f"same results as recorded run {self.run_id} (--no-cache to record again)"


def record_check_run(
    loaded: LoadedPolicy,
    report: CheckReport,
    evidence: Path | None,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    use_cache: bool = True,
) -> RecordedRun | None:
    """Log the check as an MLflow run when the policy uses a registry, else `None`."""
    from mlops_gate.registry.from_policy import registry_configured, settings_for

    if not registry_configured(loaded):
        return None
    from mlops_gate.registry.mlflow_client import open_registry
    from mlops_gate.registry.record import record_check
    from mlops_gate.reports import markdown

    uri, _embedded = settings_for(loaded, timeout).resolve_uri()
    marker = RECORDED_DIR / _results_key(report, uri)
    if use_cache and marker.is_file():
        recorded = marker.read_text(encoding="utf-8").strip()
        if recorded:
            return RecordedRun(recorded, new=False)
    with open_registry(settings_for(loaded, timeout)) as registry:
        run_id = record_check(registry, report, evidence, report_markdown=markdown.render(report))
    atomic_write_text(marker, run_id + "\n")
    return RecordedRun(run_id, new=True)


def record_effect(
    loaded: LoadedPolicy,
    report: CheckReport,
    evidence: Path | None,
    *,
    timeout: float,
    use_cache: bool = True,
) -> tuple[RecordedRun | None, SideEffect | None]:
    """`record_check_run` as a side effect of the command: a registry that cannot record it is
    a failed effect (one line), never a traceback."""
    try:
        run = record_check_run(loaded, report, evidence, timeout=timeout, use_cache=use_cache)
    except MlopsGateError as exc:
        return None, SideEffect("record the run", ok=False, message=str(exc))
    if run is None:
        return None, None
    return run, SideEffect("record the run", ok=True)


def _results_key(report: CheckReport, tracking_uri: str) -> str:
    """The results without what varies between identical runs (times, `cached` flags)."""
    document = report.to_json()
    for key in ("started_at", "duration_s", "tool_version"):
        document.pop(key, None)
    for gate in document["gates"]:
        for key in ("duration_s", "cached"):
            gate.pop(key, None)
    document["tracking_uri"] = tracking_uri
    text = json.dumps(document, sort_keys=True, default=str)
    return sha256_bytes(text.encode("utf-8"))
