"""The in-cluster live check (issue 14) against real serving processes: a canary's live window
replayed to stable (agreement within the policy's tolerance) and its PSI against the reference
profile, as the Argo analysis Job runs it; exit 0 / 1 / 2 for pass / fail / undecided."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mlops_gate.deploy.kubernetes import LiveInputs
from mlops_gate.deploy.kubernetes.live_check import main
from mlops_gate.deploy.kubernetes.live_job import config_text, live_check_config
from mlops_gate.deploy.kubernetes.profile import reference_profile
from tests.integration.serving.server_process import call, model_server
from tests.support import FEATURES, regression_frame, train_onnx
from tests.unit.deploy_k8s.manifests import CHECK_IMAGE, canary

pytestmark = pytest.mark.integration
REFERENCE = regression_frame(2000, seed=0)


@dataclass(frozen=True)
class Servers:
    stable: str
    canary: str


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    root = tmp_path_factory.mktemp("live-check")
    train_onnx(REFERENCE, root / "stable.onnx", target="target", task="regression")
    retrained = REFERENCE.assign(target=REFERENCE["target"] * 1.02)  # 2% apart everywhere
    train_onnx(retrained, root / "canary.onnx", target="target", task="regression")
    env = {"MODEL_FEATURES": json.dumps(FEATURES), "EXTRA_FEATURES": "ignore"}
    with (
        model_server(root / "stable.onnx", **env, MODEL_VERSION="6") as stable,
        model_server(root / "canary.onnx", **env, MODEL_VERSION="7", LIVE_WINDOW_ROWS="300") as new,
    ):
        yield Servers(stable, new)


def _traffic(url: str, shift: float = 0.0, n: int = 300) -> None:
    frame = regression_frame(n, seed=9)[FEATURES] + shift
    rows = [{k: float(v) for k, v in row.items()} for row in frame.to_dict("records")]
    for start in range(0, n, 50):
        assert call(f"{url}/predict", {"rows": rows[start : start + 50]})[0] == 200


def _config(tmp_path: Path, tolerance: float, **overrides: Any) -> Path:
    analysis = {
        "min_agreement": 0.95,
        "agreement_tolerance": {"rel": tolerance},
        "drift": {"max": 0.25, "min_rows": 200},
    }
    spec = canary(analysis=analysis, kubernetes={"check_image": CHECK_IMAGE})
    profile = reference_profile({c: REFERENCE[c].to_numpy() for c in FEATURES}, 10)
    config = live_check_config(spec, LiveInputs("regression", profile))
    path = tmp_path / "live-check.json"
    path.write_text(config_text({**config, "wait_s": 2, "poll_s": 0.2, **overrides}))
    return path


def _run(servers: Servers, config: Path) -> int:
    return main(["--config", str(config), "--canary", servers.canary, "--stable", servers.stable])


def test_a_retrained_regressor_agrees_within_its_tolerance(
    servers: Servers, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _traffic(servers.canary)
    assert _run(servers, _config(tmp_path, tolerance=0.05)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "pass: agreement 100.00% (300/300 rows) >= 0.95"
    assert lines[1].startswith("pass: PSI ")


def test_the_fixed_tolerance_would_have_rolled_it_back(
    servers: Servers, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _traffic(servers.canary)
    assert _run(servers, _config(tmp_path, tolerance=1e-3)) == 1
    assert capsys.readouterr().out.startswith("fail: agreement 0.00% (0/300 rows) < 0.95")


def test_drifted_live_inputs_fail(
    servers: Servers, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _traffic(servers.canary, shift=1.5)
    assert _run(servers, _config(tmp_path, tolerance=0.05)) == 1
    out = capsys.readouterr().out
    assert "fail: PSI " in out
    _traffic(servers.canary)  # the window is healthy again for the other tests


def test_too_few_rows_is_undecided_never_a_pass(servers: Servers, tmp_path: Path) -> None:
    config = _config(tmp_path, tolerance=0.05, drift=None, min_rows=10_000)
    command = [sys.executable, "-m", "mlops_gate.deploy.kubernetes.live_check"]
    command += ["--config", str(config), "--canary", servers.canary, "--stable", servers.stable]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout.startswith(
        "live check: could not decide: 300/10000 live canary rows after 2 s"
    )
