"""Where the registry is, the policy's `promote:` section, locks and run values (issue #4)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from mlops_gate.policy.model import PromoteSpec
from mlops_gate.registry import lock
from mlops_gate.registry.mlflow_client import Deadline, RegistrySettings, normalize_version
from mlops_gate.registry.pointer import Pointer
from mlops_gate.registry.record import metric_key, run_values
from mlops_gate.registry.versions import pip_requirements
from mlops_gate.report import CheckReport
from mlops_gate.results import GateResult, Verdict


def test_uri_precedence_policy_then_env_then_embedded(tmp_path: Path) -> None:
    env = {"MLFLOW_TRACKING_URI": "http://env:5000"}
    assert RegistrySettings("http://policy:5000").resolve_uri(env) == ("http://policy:5000", False)
    assert RegistrySettings().resolve_uri(env) == ("http://env:5000", False)
    uri, embedded = RegistrySettings(workdir=tmp_path / ".mlops-gate").resolve_uri({})
    assert embedded
    assert uri == f"sqlite:///{tmp_path / '.mlops-gate' / 'mlflow.db'}"
    assert (
        RegistrySettings(workdir=tmp_path).embedded_artifact_root()
        == (tmp_path / "mlartifacts").as_uri()
    )


def test_versions_are_strings_whatever_the_store_answers() -> None:
    assert normalize_version(3) == "3"
    assert normalize_version("3") == "3"
    assert normalize_version(None) is None


def test_deadline_counts_down() -> None:
    assert not Deadline(60).expired()
    assert Deadline(0).expired()


def test_promote_spec_needs_a_target_and_valid_names() -> None:
    assert PromoteSpec().alias == "champion"
    assert PromoteSpec(alias=None, stage="Production").stage == "Production"
    with pytest.raises(ValidationError, match="set `alias` or `stage`"):
        PromoteSpec(alias=None)
    with pytest.raises(ValidationError, match="pattern"):
        PromoteSpec(alias="champ ion")
    with pytest.raises(ValidationError, match="pattern"):
        PromoteSpec(model_name="a/b")


def test_pointer_keys_and_labels() -> None:
    both = Pointer.from_spec(PromoteSpec(stage="Production"), "fraud")
    staged = Pointer.from_spec(PromoteSpec(model_name="m", alias=None, stage="Staging"), "fraud")
    assert (both.key, both.label) == ("alias.champion", "fraud@champion")
    assert (staged.key, staged.label) == ("stage.Staging", "m (stage Staging)")
    assert lock.lock_name(both) == "mlops-gate-lock.fraud.alias.champion"


def test_locks_of_dead_or_own_or_expired_owners_are_reclaimable() -> None:
    import socket

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    later = f"{time.time() + 600:.3f}"
    host = socket.gethostname()
    assert lock._reclaimable({"host": host, "pid": dead, "expires_at": later})
    assert lock._reclaimable({"host": host, "pid": str(os.getpid()), "expires_at": later})
    assert lock._reclaimable(
        {"host": "elsewhere", "pid": "1", "expires_at": f"{time.time() - 1:.3f}"}
    )
    assert not lock._reclaimable({"host": "elsewhere", "pid": "1", "expires_at": later})
    assert not lock._reclaimable({"host": host, "pid": str(os.getppid()), "expires_at": later})


def test_run_values_from_a_report() -> None:
    report = CheckReport(
        policy_name="p",
        policy_path="p.yaml",
        policy_sha256="0" * 64,
        model_sha256="1" * 64,
        gates=[
            GateResult(
                id="metric:f1",
                type="metric",
                verdict=Verdict.PASS,
                value=0.9,
                threshold=0.8,
                baseline_value=0.85,
            ),
            GateResult(id="latency#2", type="latency", verdict=Verdict.FAIL, value=float("nan")),
        ],
    )
    metrics, params, tags = run_values(report)
    assert metrics == {
        "gate.metric:f1": 0.9,
        "gate.metric:f1.baseline": 0.85,
        "f1_score": 0.9,  # the name mlflow.evaluate logs (registry/metric_names.py)
        "f1_score.baseline": 0.85,
    }
    assert params == {"gate.metric:f1.threshold": "0.8"}
    assert tags["mlops_gate.verdict"] == "fail"
    assert tags["mlops_gate.gate.latency_2"] == "fail"
    assert metric_key("a b/c:d#e") == "gate.a b/c:d_e"


def test_pip_requirements_are_pinned_to_what_is_installed() -> None:
    pins = pip_requirements()
    assert pins[0].startswith("onnx==")
    assert pins[1].startswith(("onnxruntime==", "onnxruntime-gpu=="))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (
            "API request to http://h/api failed with exception Max retries exceeded (Connection refused)",
            "cannot connect (connection refused)",
        ),
        (
            "('Connection aborted.', RemoteDisconnected('Remote end closed connection'))",
            "cannot connect (connection lost)",
        ),
        (
            "API request to http://h failed with timeout exception Read timed out.",
            "timed out (--timeout 60 s)",
        ),
        (
            "RESOURCE_EXHAUSTED: http://u:pw@h quota\nsecond line",
            "RESOURCE_EXHAUSTED: http://***@h quota second line",
        ),
    ],
)
def test_registry_failures_read_as_one_short_line(raw: str, reason: str) -> None:
    from mlops_gate.registry.mlflow_client import _short_reason

    assert _short_reason(raw, Deadline(60)) == reason
