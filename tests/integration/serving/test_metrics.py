"""The serving app's metrics as the canary analysis reads them (issue 14): every series carries
the model version, the latency buckets are the ones the manifest sets (LATENCY_BUCKETS), scores
and regressor outputs are histograms; and the live window the in-cluster check replays."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from mlops_gate.deploy.kubernetes.promql import buckets_env
from tests.integration.serving.server_process import call, model_server
from tests.support import FEATURES, binary_frame, regression_frame, train_onnx

pytestmark = pytest.mark.integration
ENV = {"MODEL_FEATURES": json.dumps(FEATURES), "MODEL_VERSION": "7"}


def _rows(n: int, seed: int = 3) -> list[dict[str, float]]:
    frame = binary_frame(n, seed=seed)[FEATURES]
    return [{k: float(v) for k, v in row.items()} for row in frame.to_dict("records")]


def metric(text: str, name: str, **labels: str) -> float:
    """The value of the one series `name{labels}` (labels exactly), 0 when absent."""
    wanted = sorted(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and sorted(match.group(1).split(",")) == wanted:
            return float(match.group(2))
    return 0.0


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("classifier") / "model.onnx"
    train_onnx(binary_frame(400), path)
    with model_server(path, **ENV, LATENCY_BUCKETS=buckets_env(120)) as url:
        yield url


@pytest.fixture(scope="module")
def regressor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("regressor") / "model.onnx"
    train_onnx(regression_frame(400), path, target="target", task="regression")
    env = {**ENV, "PREDICTION_BUCKETS": "-5,0,5", "LIVE_WINDOW_ROWS": "5"}
    with model_server(path, **env) as url:
        yield url


def test_latency_is_bucketed_as_the_manifest_says_and_labelled_with_the_version(
    classifier: str,
) -> None:
    assert call(f"{classifier}/predict", {"rows": _rows(3)})[0] == 200
    text = call(f"{classifier}/metrics")[1]
    at_limit = metric(
        text,
        "mlops_gate_request_duration_seconds_bucket",
        endpoint="/predict",
        le="0.12",
        version="7",
    )
    assert at_limit >= 1  # the 120 ms limit is a bucket edge
    edges = re.findall(
        r'mlops_gate_request_duration_seconds_bucket\{endpoint="/predict",le="([^"]+)"', text
    )
    assert [float(e) for e in edges[:-1]] == [float(e) for e in buckets_env(120).split(",")]


def test_classifier_scores_are_a_histogram_per_class(classifier: str) -> None:
    before = call(f"{classifier}/metrics")[1]
    status, answer = call(f"{classifier}/predict", {"rows": _rows(4)})
    assert status == 200, answer
    after = call(f"{classifier}/metrics")[1]
    for name in ("0", "1"):
        labels = {"class": name, "version": "7"}
        grew = metric(after, "mlops_gate_prediction_score_count", **labels) - metric(
            before, "mlops_gate_prediction_score_count", **labels
        )
        assert grew == 4
    top = metric(
        after, "mlops_gate_prediction_score_bucket", **{"class": "1", "version": "7", "le": "1.0"}
    )
    assert top == metric(
        after, "mlops_gate_prediction_score_count", **{"class": "1", "version": "7"}
    )


def test_regressor_outputs_are_a_histogram_and_the_live_window_keeps_the_last_rows(
    regressor: str,
) -> None:
    rows = _rows(8, seed=4)
    status, answer = call(f"{regressor}/predict", {"rows": rows})
    assert status == 200, answer
    text = call(f"{regressor}/metrics")[1]
    assert metric(text, "mlops_gate_prediction_value_count", version="7") == 8
    assert metric(text, "mlops_gate_prediction_value_bucket", version="7", le="+Inf") == 8
    assert metric(text, "mlops_gate_prediction_value_bucket", version="7", le="0.0") == sum(
        p <= 0 for p in answer["predictions"]
    )
    status, window = call(f"{regressor}/live-window")
    assert status == 200
    assert (window["kind"], window["model_version"]) == ("predictions", "7")
    assert window["rows"] == rows[-5:]
    assert window["outputs"] == answer["predictions"][-5:]


def test_the_live_window_is_off_unless_asked(classifier: str) -> None:
    assert call(f"{classifier}/live-window")[0] == 404
