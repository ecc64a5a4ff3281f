"""The generated image context's server, run as a real uvicorn process on 127.0.0.1.

It runs from the context folder alone (`--app-dir image/`, MODEL_PATH in it): the same files the
image gets. Answers are compared with ONNX Runtime in-process on the same rows.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mlops_gate.api import build
from tests.integration.artifacts.helpers import MIXED, mixed_frame, project
from tests.integration.artifacts.test_roundtrip import _pipeline

pytestmark = [pytest.mark.integration, pytest.mark.slow]
START_TIMEOUT_S = 60
MAX_ROWS = 200


@dataclass(frozen=True)
class Server:
    url: str
    context: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(url: str, body: bytes | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    text = raw.decode("utf-8")
    return status, (json.loads(text) if text.startswith(("{", "[")) else text)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("serving")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLOPS_GATE_ENGINE", "none")
        build(project(root, _pipeline(), MIXED), root / "dist")
    context, port = root / "dist" / "image", _free_port()
    env = {**os.environ, "MODEL_PATH": str(context / "model.onnx"), "MAX_ROWS": str(MAX_ROWS)}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "server:from_env",
        "--app-dir",
        str(context),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(
        command, cwd=context, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"server exited with {process.returncode}: {output[-2000:]}")
            try:
                if _call(f"{url}/ready")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server not ready within {START_TIMEOUT_S} s")
            time.sleep(0.2)
        yield Server(url=url, context=context)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def _rows(n: int, seed: int = 5) -> list[dict[str, Any]]:
    frame = mixed_frame(n, seed=seed)[MIXED]
    return [
        {k: (float(v) if k != "city" else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def _predict(server: Server, payload: Any) -> tuple[int, Any]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return _call(f"{server.url}/predict", body)


def test_predict_matches_onnx_runtime_in_process(server: Server) -> None:
    from mlops_gate.loaders.models import OnnxModel
    from mlops_gate.policy.model import ModelRef

    rows = _rows(150)
    status, answer = _predict(server, {"rows": rows})
    assert status == 200, answer
    path = server.context / "model.onnx"
    frame = mixed_frame(150, seed=5)
    expected = OnnxModel(path, ModelRef(path=str(path)), "classification").predict(frame, MIXED)
    assert answer["labels"] == expected.labels.tolist()
    assert np.array_equal(
        np.asarray(answer["probabilities"], dtype=np.float32), expected.proba.astype(np.float32)
    )
    assert answer["classes"] == [0, 1]
    assert len(answer["model_version"]) == 12


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def test_metrics_count_requests_by_version_and_status(server: Server) -> None:
    before = _call(f"{server.url}/metrics")[1]
    version = _predict(server, {"rows": _rows(1)})[1]["model_version"]
    for _ in range(3):
        assert _predict(server, {"rows": _rows(2)})[0] == 200
    assert _predict(server, {"rows": [{"a": 1.0}]})[0] == 422
    after = _call(f"{server.url}/metrics")[1]

    def grew(name: str, **labels: str) -> float:
        return _metric(after, name, **labels) - _metric(before, name, **labels)

    assert grew("mlops_gate_predictions_total", model_version=version, status="ok") == 4
    assert grew("mlops_gate_predictions_total", model_version=version, status="invalid") == 1
    assert grew("mlops_gate_predicted_rows_total", model_version=version) == 7
    # Issue 14: the latency histogram carries the version too, as the canary analysis reads it.
    assert (
        grew("mlops_gate_request_duration_seconds_count", endpoint="/predict", version=version) == 5
    )


BAD_PAYLOADS = {
    "not json": b"{rows: nope",
    "no rows key": {"data": []},
    "empty rows": {"rows": []},
    "row not an object": {"rows": [[1, 2, 3]]},
    "missing feature": {"rows": [{"a": 1.0, "b": 2.0, "c": 3.0, "city": "nice"}]},
    "unknown feature": {"rows": [{"a": 1, "b": 2, "c": 3, "d": 4, "city": "nice", "zip": 1}]},
    "string in a number": {"rows": [{"a": "x", "b": 2, "c": 3, "d": 4, "city": "nice"}]},
    "null value": {"rows": [{"a": None, "b": 2, "c": 3, "d": 4, "city": "nice"}]},
    "NaN literal": b'{"rows": [{"a": NaN, "b": 2, "c": 3, "d": 4, "city": "nice"}]}',
    "too many rows": {"rows": [{"a": 1, "b": 2, "c": 3, "d": 4, "city": "nice"}] * (MAX_ROWS + 1)},
}


@pytest.mark.parametrize("case", sorted(BAD_PAYLOADS))
def test_bad_payloads_are_422_and_the_server_keeps_serving(server: Server, case: str) -> None:
    status, answer = _predict(server, BAD_PAYLOADS[case])
    assert status == 422, answer
    assert isinstance(answer["detail"], list)
    assert answer["detail"][0]["msg"]
    assert _call(f"{server.url}/health")[0] == 200
    status, answer = _predict(server, {"rows": _rows(1)})
    assert status == 200
    assert all(math.isfinite(p) for p in answer["probabilities"][0])


def test_health_and_ready(server: Server) -> None:
    assert _call(f"{server.url}/health") == (200, {"status": "ok", "error": None})
    status, ready = _call(f"{server.url}/ready")
    assert status == 200
    assert ready["status"] == "ready"
