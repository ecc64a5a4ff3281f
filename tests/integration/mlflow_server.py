"""A real `mlflow server` for the integration tests: one per test session, always stopped.

sqlite backend and artifacts in a temporary folder, `--workers 1` (ready in ~10-40 s here; 4 workers
take twice as long and 2.3 GB), 127.0.0.1 on a free port. The server runs in its own process group
(its uvicorn worker is a child), so stopping it signals the whole group; MLflow's job runner, which
would add more children, is switched off. `restart()` serves the fault test: same store, same port.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

READY_TIMEOUT_S = 180.0  # a bound, not an expectation: the 2-core CI box is shared


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class MlflowServer:
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            f"sqlite:///{self.root / 'mlflow.db'}",
            "--artifacts-destination",
            str(self.root / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "1",
        ]
        env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        env.pop("MLFLOW_TRACKING_URI", None)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"mlflow server exited with {self.process.returncode}:\n{tail}")
            try:
                with urllib.request.urlopen(f"{self.uri}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(
            f"mlflow server not healthy within {READY_TIMEOUT_S:.0f} s (log: {self.log})"
        )

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Signal the server's whole process group, then make sure every member is gone."""
        if self.process is None:
            return
        group = self.process.pid  # start_new_session: the group id is the leader's pid
        _signal_group(group, sig)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _signal_group(group, signal.SIGKILL)
            self.process.wait(timeout=20)
        end = time.monotonic() + 20
        while _group_alive(group) and time.monotonic() < end:
            _signal_group(group, signal.SIGKILL)
            time.sleep(0.1)
        self.process = None

    def kill(self) -> None:
        """Die as a crashed server does: SIGKILL, no shutdown."""
        self.stop(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()


def _signal_group(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sig)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    server = MlflowServer(tmp_path_factory.mktemp("mlflow-server"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def registry_env(
    mlflow_server: MlflowServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> MlflowServer:
    """`MLFLOW_TRACKING_URI` at the shared server, and a fresh working folder for `.mlops-gate/`."""
    if mlflow_server.process is None or mlflow_server.process.poll() is not None:
        mlflow_server.restart()  # a test that killed it failed before restarting it
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.uri)
    monkeypatch.chdir(tmp_path)
    return mlflow_server
