"""Start and stop the local canary's processes: two model servers (or LLM apps) and the router.

The router inherits a listening socket we bound to a free loopback port (`--fd`), so nobody can
take the port in between. uvicorn cannot: its `--fd` treats the socket as a Unix one and leaves
Nagle's algorithm on, which with delayed ACKs costs 40 ms per keep-alive request. So the model
servers get `--port` with a port we just found free, and one retry if another program took it
first. An LLM app (`llm_app.py`) takes its socket as the router does. Output goes to
`<state_dir>/logs/<name>.log` (a pipe nobody reads would fill up and block the server).
`Processes` stops every process it started, in reverse order, however the canary ends.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.deadline import Deadline, DeadlineHTTPConnection
from mlops_gate.deploy.local.errors import DeployError

if TYPE_CHECKING:
    from mlops_gate.policy.deploy import AgreementTolerance

HOST = "127.0.0.1"
STOP_TIMEOUT_S = 5.0
PROBE_TIMEOUT_S = 2.0  # one readiness probe, answer included
PORT_TAKEN = "address already in use"


@dataclass
class Process:
    """One child process listening on `url`."""

    name: str
    popen: subprocess.Popen[bytes]
    url: str
    log: Path
    ready_path: str

    @property
    def pid(self) -> int:
        return self.popen.pid

    def exited(self) -> int | None:
        return self.popen.poll()

    def log_tail(self, chars: int = 600) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return " ".join(text[-chars:].split())

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=STOP_TIMEOUT_S)


@dataclass
class Processes:
    """Every process of one canary run; a context manager that always stops them."""

    log_dir: Path
    started: list[Process] = field(default_factory=list)
    features: list[str] | None = None

    def __enter__(self) -> Processes:
        from mlops_gate.fsutil import make_folders

        make_folders(self.log_dir)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()

    def stop_all(self) -> None:
        for process in reversed(self.started):
            process.stop()

    def model_servers(
        self, models: dict[str, Path], timeout: float, features: list[str] | None = None
    ) -> dict[str, Process]:
        """Start one server per model, in parallel, and wait until each is ready; `features`
        names the input columns of a model whose ONNX metadata does not."""
        self.features = features
        servers = {name: self._model_server(name, path) for name, path in models.items()}
        for attempt in (1, 2):
            try:
                wait_ready(list(servers.values()), timeout)
                return servers
            except DeployError as exc:
                taken = [n for n, p in servers.items() if PORT_TAKEN in p.log_tail().lower()]
                if attempt == 2 or not taken:
                    raise exc from None
                for name in taken:
                    servers[name] = self._model_server(name, models[name])
        raise AssertionError("unreachable")

    def _model_server(self, name: str, model: Path) -> Process:
        env = {**os.environ, "MODEL_PATH": str(model), "MODEL_DEVICE": "cpu"}
        env.pop("MODEL_VERSION", None)
        env.pop("MODEL_FEATURES", None)
        env["EXTRA_FEATURES"] = "ignore"  # the router sends both models the full record
        if self.features:
            env["MODEL_FEATURES"] = json.dumps(self.features)
        port = free_port()
        command = [sys.executable, "-m", "uvicorn", "--factory", "mlops_gate.serving.app:from_env"]
        command += ["--host", HOST, "--port", str(port), "--log-level", "warning"]
        command += ["--no-access-log", "--timeout-keep-alive", "30"]
        popen = self._popen(name, command, env, ())
        process = Process(
            name, popen, f"http://{HOST}:{port}", self.log_dir / f"{name}.log", "/ready"
        )
        self.started.append(process)
        return process

    def router(
        self,
        stable: Process,
        canary: Process,
        timeout: float,
        mirror: float,
        tolerance: AgreementTolerance | None = None,
    ) -> Process:
        command = [sys.executable, "-m", "mlops_gate.deploy.local.router"]
        command += ["--stable", stable.url, "--canary", canary.url, "--timeout", str(timeout)]
        command += ["--mirror-share", str(mirror)]
        if tolerance is not None:
            command += ["--agreement-tolerance", repr(tolerance.rel), repr(tolerance.abs)]
        return self._on_socket("router", command, "/-/health")

    def llm_app(self, name: str, config: Path) -> Process:
        """One side's LLM app (`llm_app.py`), configured by the JSON file `config`."""
        command = [sys.executable, "-m", "mlops_gate.deploy.local.llm_app", "--config", str(config)]
        return self._on_socket(name, command, "/ready")

    def _on_socket(self, name: str, command: list[str], ready_path: str) -> Process:
        """A child that serves on a listening socket we bound (`--fd`): no port race."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((HOST, 0))
            sock.listen(128)
            port, fd = sock.getsockname()[1], sock.fileno()
            popen = self._popen(name, [*command, "--fd", str(fd)], dict(os.environ), (fd,))
        finally:
            sock.close()  # the child holds its own copy of the listening socket
        log = self.log_dir / f"{name}.log"
        process = Process(name, popen, f"http://{HOST}:{port}", log, ready_path)
        self.started.append(process)
        return process

    def _popen(
        self, name: str, command: list[str], env: dict[str, str], fds: tuple[int, ...]
    ) -> subprocess.Popen[bytes]:
        from mlops_gate.fsutil import open_log

        log = self.log_dir / f"{name}.log"
        try:
            out = open_log(log, fresh=True)  # never through a link planted under .mlops-gate/
        except OSError as exc:
            raise DeployError(
                f"cannot write the log {log} ({exc.strerror or exc}): remove it"
            ) from None
        with out:
            return subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=fds,
            )


def _line(text: Any) -> str:
    """A server's own error text as one bounded line (it names files the pull request wrote)."""
    return " ".join(str(text or "no reason given").split())[:300]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_ready(processes: list[Process], timeout: float) -> None:
    """Wait until every process answers 200 on its readiness path, or raise `DeployError`;
    a probe may take only the time left (a server trickling its answer does not stretch it)."""
    deadline = Deadline(timeout)
    waiting = list(processes)
    while waiting:
        for process in list(waiting):
            code = process.exited()
            if code is not None:
                raise DeployError(
                    f"{process.name} server exited with {code} before it was ready: "
                    f"{process.log_tail()} (log: {process.log})"
                )
            probe = min(PROBE_TIMEOUT_S, max(deadline.remaining(), 0.05))
            status, body = get_json(process.url, process.ready_path, timeout=probe)
            if status == 200:
                waiting.remove(process)
            elif isinstance(body, dict) and body.get("status") == "failed":  # it will never be
                raise DeployError(
                    f"{process.name} server failed to load its model: "
                    f"{_line(body.get('error'))} (log: {process.log})"
                )
        if waiting and deadline.expired():
            names = ", ".join(p.name for p in waiting)
            raise DeployError(f"{names} not ready within {timeout:g} s (logs in {waiting[0].log})")
        if waiting:
            time.sleep(0.1)


def get_json(url: str, path: str, *, timeout: float, body: Any = None) -> tuple[int, Any]:
    """One request (POST when `body` is given); status 0 when nothing answered in `timeout`
    seconds, all of the request and its answer included."""
    host, _, port = url.removeprefix("http://").partition(":")
    conn = DeadlineHTTPConnection(host, int(port), Deadline(timeout))
    try:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data else {}
        conn.request("GET" if data is None else "POST", path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException):
        return 0, None
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, raw.decode("utf-8", errors="replace")
