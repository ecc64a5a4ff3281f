"""Export time per model kind, and the served `/predict` latency against in-process ONNX Runtime.

    .venv/bin/python benchmarks/build/bench_build.py [--requests 300]

The server is the generated image context's `server.py`, run by uvicorn on 127.0.0.1 as in the
image; "in-process" is one `InferenceSession.run` on the same model and the same row. The
difference is the server's overhead (HTTP, JSON, validation, metrics).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from mlops_gate.artifacts.export import ExportRequest, export_object  # noqa: E402
from tests.integration.artifacts.helpers import MIXED, NUMERIC, fitted, mixed_frame  # noqa: E402
from tests.integration.artifacts.test_roundtrip import _pipeline  # noqa: E402


def export_times() -> dict[str, float]:
    frame = mixed_frame(5000, seed=1)
    models: dict[str, tuple[Any, list[str]]] = {
        "logistic": (LogisticRegression(), NUMERIC),
        "pipeline (scaler + one-hot + logistic)": (_pipeline(), MIXED),
        "mlp (128, 64)": (MLPClassifier(hidden_layer_sizes=(128, 64), max_iter=100), NUMERIC),
        "random forest, 20 trees": (
            RandomForestClassifier(n_estimators=20, random_state=0),
            NUMERIC,
        ),
        "random forest, 100 trees": (
            RandomForestClassifier(n_estimators=100, random_state=0),
            NUMERIC,
        ),
    }
    times = {}
    for name, (estimator, features) in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted(estimator, frame, features)
        started = time.perf_counter()
        export_object(estimator, ExportRequest(frame=frame, features=features))
        times[name] = time.perf_counter() - started
    return times


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serving_latency(requests: int) -> dict[str, float]:
    import onnxruntime as ort

    from mlops_gate.artifacts.build import build
    from tests.integration.artifacts.helpers import project

    root = Path(tempfile.mkdtemp(prefix="bench-build-"))
    os.environ["MLOPS_GATE_ENGINE"] = "none"
    build(project(root, _pipeline(), MIXED), root / "dist")
    context, port = root / "dist" / "image", _free_port()
    env = {**os.environ, "MODEL_PATH": str(context / "model.onnx")}
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
    server = subprocess.Popen(command, env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url)
        row = {
            k: (float(v) if k != "city" else v) for k, v in mixed_frame(1)[MIXED].iloc[0].items()
        }
        body = json.dumps({"rows": [row]}).encode()
        served = [_timed_post(f"{url}/predict", body) for _ in range(requests + 20)][20:]
    finally:
        server.terminate()
        server.wait(timeout=10)
    session = ort.InferenceSession(str(context / "model.onnx"), providers=["CPUExecutionProvider"])
    feeds = {k: [[v]] for k, v in row.items()}
    import numpy as np

    arrays = {
        k: np.asarray(v, dtype=object if k == "city" else np.float32) for k, v in feeds.items()
    }
    local = []
    for index in range(requests + 20):
        started = time.perf_counter()
        session.run(None, arrays)
        if index >= 20:
            local.append(time.perf_counter() - started)
    return {
        "served_p50_ms": _ms(served, 50),
        "served_p95_ms": _ms(served, 95),
        "in_process_p50_ms": _ms(local, 50),
        "in_process_p95_ms": _ms(local, 95),
    }


def _wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server not ready")


def _timed_post(url: str, body: bytes) -> float:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
    return time.perf_counter() - started


def _ms(values: list[float], percentile: int) -> float:
    return round(statistics.quantiles(values, n=100)[percentile - 1] * 1000, 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    for name, seconds in export_times().items():
        print(f"export  {name:<40} {seconds * 1000:8.1f} ms")
    for name, value in serving_latency(args.requests).items():
        print(f"predict {name:<40} {value:8.3f} ms")


if __name__ == "__main__":
    main()
