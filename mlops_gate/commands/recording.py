"""`check` (and `run`'s check) logged as an MLflow run when the policy uses a registry.

An unchanged re-run (every gate from the result cache, so the very same results) is not logged
twice: the earlier run's id is returned (`new=False`), which keeps a warm `check` fast (MLflow and
its store cost seconds to open). `use_cache=False` (`--no-cache`) logs it anyway.

The marker that says "already recorded as run X" lies in the work tree, where a pull request can
forge one to suppress the recording (issue 13): it is believed only with this machine's MAC
(`trust.py`) over the run id and the results key; any other marker is deleted and the run logged.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate import paths, trust
from mlops_gate.commands.outcome import SideEffect
from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.errors import MlopsGateError
from mlops_gate.fsutil import atomic_write_text, sha256_bytes

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.registry.datasets import DataFile
    from mlops_gate.report import CheckReport

RECORDED_DIR = paths.RECORDED_RUNS
MARKER_PURPOSE = "recorded-run"
RECORD_EFFECT = "record the run"
NO_REGISTRY = "the policy uses no registry (no `promote:` block, no models:/ or runs:/ URI)"


class RecordMode(StrEnum):
    """`check --record` / `run --record` (issue 14): whether the check is logged as an MLflow run."""

    AUTO = "auto"
    """When the policy uses a registry; where it cannot be recorded (MLflow not installed, no
    tracking server reachable) one warning line says so and the exit code stays the verdict's."""
    REQUIRED = "required"
    """A check that could not be recorded (or whose policy names no registry) makes a pass exit 2."""
    OFF = "off"
    """Never record."""


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
    html: Path | None = None,
) -> RecordedRun | None:
    """Log the check as an MLflow run when the policy uses a registry, else `None`; `html` is
    the HTML report the check wrote (logged beside the Markdown one)."""
    from mlops_gate.registry.from_policy import registry_configured, settings_for

    if not registry_configured(loaded):
        return None
    from mlops_gate.registry.mlflow_client import open_registry
    from mlops_gate.registry.record import record_check
    from mlops_gate.reports import markdown

    uri, _embedded = settings_for(loaded, timeout).resolve_uri()
    key = _results_key(report, uri)
    recorded = recorded_run(RECORDED_DIR, key) if use_cache else None
    if recorded is not None:
        return RecordedRun(recorded, new=False)
    with open_registry(settings_for(loaded, timeout)) as registry:
        run_id = record_check(
            registry,
            report,
            evidence,
            report_markdown=markdown.render(report),
            report_html=html,
            data=data_files(loaded),
        )
    remember_run(RECORDED_DIR, key, run_id)
    return RecordedRun(run_id, new=True)


def data_files(loaded: LoadedPolicy) -> tuple[DataFile, ...]:
    """The policy's eval and reference files (engine/inputs.py says which), as MLflow datasets."""
    from mlops_gate.engine.inputs import policy_inputs
    from mlops_gate.registry.datasets import DataFile

    contexts = {"data.eval": "eval", "data.reference": "reference"}
    target = loaded.policy.data.target
    return tuple(
        DataFile(contexts[item.name], item.path, target)
        for item in policy_inputs(loaded, external=False)
        if item.name in contexts and item.path is not None
    )


def recorded_run(folder: Path, key: str) -> str | None:
    """The run id a marker of this machine names for the results `key`; a marker that is not
    believed (no or another machine's MAC, another key, unreadable) is deleted."""
    secret = trust.machine_key()
    if secret is None:
        return None
    marker = folder / key
    try:
        entry = trust.unseal(secret, MARKER_PURPOSE, json.loads(marker.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        entry = None
    run_id = entry.get("run_id") if entry is not None and entry.get("key") == key else None
    if isinstance(run_id, str) and run_id:
        return run_id
    with contextlib.suppress(OSError):
        marker.unlink(missing_ok=True)
    return None


def remember_run(folder: Path, key: str, run_id: str) -> None:
    """A sealed marker: results `key` recorded as `run_id` (none without a machine key)."""
    secret = trust.machine_key()
    if secret is None:
        return
    sealed = trust.seal(secret, MARKER_PURPOSE, {"key": key, "run_id": run_id})
    with contextlib.suppress(OSError):  # a marker not written only costs a second recording
        atomic_write_text(folder / key, json.dumps(sealed) + "\n")


def record_effect(
    loaded: LoadedPolicy,
    report: CheckReport,
    evidence: Path | None,
    *,
    mode: RecordMode = RecordMode.AUTO,
    timeout: float,
    use_cache: bool = True,
    html: Path | None = None,
) -> tuple[RecordedRun | None, SideEffect | None]:
    """`record_check_run` as a side effect of the command, as `mode` says: a registry that
    cannot record it is one line, never a traceback, and an error (a pass exits 2) only when
    the recording is `required`."""
    if mode == RecordMode.OFF:
        return None, None
    required = mode == RecordMode.REQUIRED
    try:
        run = record_check_run(
            loaded, report, evidence, timeout=timeout, use_cache=use_cache, html=html
        )
    except MlopsGateError as exc:
        return None, _not_recorded(str(exc).splitlines()[0], required)
    if run is None:
        if required:
            return None, _not_recorded(NO_REGISTRY, required)
        return None, None
    return run, SideEffect(RECORD_EFFECT, ok=True, required=required)


def _not_recorded(reason: str, required: bool) -> SideEffect:
    if required:
        message = f"could not record the run (--record required): {reason}"
    else:
        message = f"did not record the run (--record auto): {reason}"
    return SideEffect(RECORD_EFFECT, ok=False, required=required, message=message)


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
