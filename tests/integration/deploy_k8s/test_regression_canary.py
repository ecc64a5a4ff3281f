"""Regression agreement end to end on the local canary (issue 14, item 5): real model servers,
the real router process, two regressors 2% apart. With the policy's `agreement_tolerance` the
canary agrees and is promoted; with the old fixed tolerance it agreed on 0.00% of the rows.
(Here, beside the live check that shares the definition, `analysis.agreeing`.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlops_gate.deploy.local.canary import Settings, run_local_canary
from mlops_gate.deploy.local.traffic import requests_from_frame
from mlops_gate.policy.deploy import CanarySpec
from tests.support import FEATURES, regression_frame, train_onnx

pytestmark = pytest.mark.integration
SETTINGS = Settings(threads=4, tick_s=0.2, step_timeout_s=30, drain_s=0.5, mirror_share=1.0)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("regressors")
    frame = regression_frame(1000, seed=0)
    train_onnx(frame, root / "stable.onnx", target="target", task="regression")
    retrained = frame.assign(target=frame["target"] * 1.02)
    train_onnx(retrained, root / "canary.onnx", target="target", task="regression")
    return root / "stable.onnx", root / "canary.onnx"


def _run(models: tuple[Path, Path], tmp_path: Path, analysis: dict[str, Any]) -> Any:
    spec = CanarySpec.model_validate(
        {"steps": [50, 100], "step_duration": 0.5, "min_requests": 40, "analysis": analysis}
    )
    return run_local_canary(
        spec,
        *models,
        features=FEATURES,
        requests=requests_from_frame(regression_frame(300, seed=4), FEATURES),
        reference=None,
        state_dir=tmp_path,
        on_event=lambda event: None,
        settings=SETTINGS,
    )


def test_a_retrained_regressor_agrees_within_the_policy_tolerance(
    models: tuple[Path, Path], tmp_path: Path
) -> None:
    analysis = {"min_agreement": 0.95, "agreement_tolerance": {"rel": 0.05, "abs": 0.01}}
    outcome = _run(models, tmp_path, analysis)
    assert outcome.status == "promoted", outcome.message
    for step in outcome.steps:
        agreement = next(c for c in step.analysis.criteria if c.name == "agreement")
        assert agreement.value == 1.0


def test_without_the_tolerance_it_never_agrees(models: tuple[Path, Path], tmp_path: Path) -> None:
    outcome = _run(models, tmp_path, {"min_agreement": 0.95})
    assert outcome.status == "rolled_back", outcome.message
    (failed,) = outcome.steps[-1].analysis.failed
    assert (failed.name, failed.value) == ("agreement", 0.0)
    assert failed.message.startswith("agreement 0.00% (")
