"""Run the serving app (`mlops_gate/serving/app.py`) as a real uvicorn process on 127.0.0.1 with
the environment a pod gets; always stopped."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(url: str, body: Any = None) -> tuple[int, Any]:
    """GET (no body) or POST JSON; the status and the JSON (or text) answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    text = raw.decode("utf-8")
    return status, (json.loads(text) if text.startswith(("{", "[")) else text)


@contextlib.contextmanager
def model_server(model: Path, **env: str) -> Iterator[str]:
    """The app serving `model` with `env` (MODEL_VERSION, LATENCY_BUCKETS, ...); yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "mlops_gate.serving.app:from_env"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    full_env = {**os.environ, "MODEL_PATH": str(model), **env}
    process = subprocess.Popen(
        command, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def _wait_ready(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"server exited with {process.returncode}: {output[-2000:]}")
        try:
            if call(f"{url}/ready")[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server not ready within {START_TIMEOUT_S} s")
        time.sleep(0.2)
