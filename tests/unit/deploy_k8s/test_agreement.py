"""Regression canaries agree within `agreement_tolerance` (issue 14, item 5), one definition for
the local router and the kubernetes live check; and `validate` refuses canary settings that
cannot apply, at their `file:line:col`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_gate.deploy.local.analysis import agreeing
from mlops_gate.deploy.local.forward import agreement
from mlops_gate.errors import PolicyError
from mlops_gate.gates.registry import load_policy

STABLE = [10.0, 20.0, -5.0, 0.0]
CANARY = [10.2, 20.5, -5.1, 0.001]  # a retrained regressor: within ~2.5% (and 0.001 near 0)


def _answer(**body: object) -> bytes:
    return json.dumps(body).encode()


def test_predictions_agree_within_the_tolerance_numpy_isclose_semantics() -> None:
    def agreed(rel: float, abs_: float) -> int:
        return agreeing("predictions", CANARY, STABLE, rel_tol=rel, abs_tol=abs_)

    assert agreed(1e-3, 1e-6) == 0  # the old fixed tolerance: a retrained model never agrees
    assert agreed(0.03, 0.0) == 3  # 0.001 vs 0 is relatively infinite
    assert agreed(0.03, 0.01) == 4
    # |canary - stable| <= abs + rel * |stable|: the stable output is the reference
    assert agreeing("predictions", [110.0], [100.0], rel_tol=0.1, abs_tol=0) == 1
    assert agreeing("predictions", [100.0], [110.0], rel_tol=0.09, abs_tol=0) == 0


def test_labels_agree_only_when_equal() -> None:
    assert agreeing("labels", [0, 1, "a"], [0, 0, "a"], rel_tol=0.5, abs_tol=1) == 2


def test_the_router_compares_regression_answers_with_the_policy_tolerance() -> None:
    canary, stable = _answer(predictions=CANARY), _answer(predictions=STABLE)
    assert agreement(canary, stable) == (4, 0)
    assert agreement(canary, stable, 0.03, 0.01) == (4, 4)
    assert agreement(_answer(predictions=["x"]), _answer(predictions=[1.0]), 1, 1) == (1, 0)


POLICY = """\
version: 1
name: house-prices
model: {{path: model.onnx, task: {task}}}
data: {{eval: eval.parquet, target: price}}
gates:
  - {{type: size, max_mb: 5}}
deploy:
  canary:
    target: kubernetes
{extra}    analysis:
      max_p95_ms: 100
{analysis}    kubernetes: {{image: ghcr.io/acme/prices:1{kube}}}
"""


def _problems(
    tmp_path: Path, task: str, analysis: str = "", extra: str = "", kube: str = ""
) -> list[str]:
    path = tmp_path / "mlops-gate.yaml"
    path.write_text(POLICY.format(task=task, analysis=analysis, extra=extra, kube=kube))
    try:
        load_policy(path, env={})
    except PolicyError as exc:
        return [line.replace(str(path), "P") for line in exc.problems]
    return []


TOLERANCE = "      min_agreement: 0.9\n      agreement_tolerance: {rel: 0.05}\n"
CHECKED = ", check_image: ghcr.io/acme/mlops-gate:1"


def test_a_regression_policy_may_set_the_tolerance(tmp_path: Path) -> None:
    assert _problems(tmp_path, "regression", TOLERANCE, kube=CHECKED) == []


def test_the_tolerance_on_a_classifier_is_a_policy_error_at_its_line(tmp_path: Path) -> None:
    assert _problems(tmp_path, "classification", TOLERANCE, kube=CHECKED) == [
        "P:13:28: deploy.canary.analysis.agreement_tolerance: applies to regression only: "
        "classifiers agree when the labels are equal"
    ]


def test_the_tolerance_without_min_agreement_is_a_policy_error(tmp_path: Path) -> None:
    analysis = "      agreement_tolerance: {rel: 0.05}\n"
    assert _problems(tmp_path, "regression", analysis) == [
        "P:12:28: deploy.canary.analysis.agreement_tolerance: has no effect without "
        "analysis.min_agreement"
    ]


@pytest.mark.parametrize(
    ("extra", "kube", "problem"),
    [
        (
            "    mode: shadow\n",
            "",
            "P:10:11: deploy.canary.mode: shadow needs kubernetes.provider: istio (a mirror route)",
        ),
        (
            "",
            ", provider: flagger, monitor: servicemonitor",
            "P:12:76: deploy.canary.kubernetes.monitor: flagger creates the Services itself: use "
            "podmonitor or annotations",
        ),
    ],
)
def test_kubernetes_settings_that_cannot_apply(
    tmp_path: Path, extra: str, kube: str, problem: str
) -> None:
    assert _problems(tmp_path, "regression", extra=extra, kube=kube) == [problem]


def test_agreement_in_the_cluster_needs_the_check_image(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, "regression", TOLERANCE)
    assert problem.startswith("P:14:17: deploy.canary.kubernetes.check_image: set an image")
