"""Every network operation has a total deadline, against a server that answers one byte a
second (issue 13, item 4): MLflow, GitHub, the Kubernetes API and the local canary's requests.

A per-read timeout never fires against such a server, so before the fix each of these ran for
as long as the server liked (past 6 minutes). The trickle here sends a finite answer (so a test
without the fix still ends, failing its time bound) and stops with the test.
"""

from __future__ import annotations

import contextlib
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlops_gate.deadline import Deadline, DeadlineExceeded, DeadlineHTTPConnection
from mlops_gate.deploy.local.errors import DeployError
from mlops_gate.deploy.local.forward import Backend
from mlops_gate.deploy.local.servers import Process, get_json, wait_ready
from mlops_gate.deploy.local.traffic import TrafficReplayer
from mlops_gate.github.client import ClientSettings, GitHubError
from mlops_gate.github.context import GitHubContext
from mlops_gate.github.publish import publish
from tests.integration.deploy_k8s.conftest import write_kubeconfig
from tests.integration.serving_thread import serving
from tests.report_samples import SHA, full_report
from tests.support import basic_project, run_cli
from tests.unit.registry.support import make_project, write_evidence_for

pytestmark = pytest.mark.integration
BODY = b'{"status": "ok"}' + b" " * 150
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
ANSWER += b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY  # ~3 minutes at one byte a second
MARGIN_S = 3.0  # in-process: the deadline, plus this
CLI_MARGIN_S = 15.0  # a subprocess: also Python's start and the imports (MLflow's ~2 s)


class _Trickle(socketserver.BaseRequestHandler):
    server: TrickleServer

    def handle(self) -> None:
        self.request.settimeout(1.0)
        with contextlib.suppress(OSError):
            self.request.recv(65536)  # the request (its head is enough)
        for byte in ANSWER:
            if self.server.stopping.wait(self.server.interval_s):
                return
            try:
                self.request.sendall(bytes([byte]))
            except OSError:
                return


class TrickleServer(socketserver.ThreadingTCPServer):
    """Answers every request with a valid HTTP response, one byte every `interval_s`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, interval_s: float = 1.0) -> None:
        super().__init__(("127.0.0.1", 0), _Trickle)
        self.interval_s = interval_s
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def trickle() -> Iterator[TrickleServer]:
    server = TrickleServer()
    try:
        with serving(server, lifetime_s=300):
            yield server
    finally:
        server.stopping.set()  # the handlers end at their next byte


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    started = time.monotonic()
    yield
    took = time.monotonic() - started
    assert took < seconds, f"took {took:.1f} s, bound {seconds:g} s"


def _one_line_exit_2(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    return errors[0]


def test_deadline_run_returns_raises_and_gives_up() -> None:
    deadline = Deadline(5)
    assert deadline.run(sum, [1, 2]) == 3
    with pytest.raises(ZeroDivisionError):
        deadline.run(lambda: 1 / 0)
    with within(1 + MARGIN_S), pytest.raises(DeadlineExceeded, match="timed out after 1 s"):
        Deadline(1).run(time.sleep, 30)
    with pytest.raises(DeadlineExceeded):
        Deadline(0).run(sum, [])


def test_deadline_connection_stops_a_trickle(trickle: TrickleServer) -> None:
    def exchange() -> bytes:
        conn = DeadlineHTTPConnection("127.0.0.1", trickle.server_address[1], Deadline(2))
        try:
            conn.request("GET", "/")
            return conn.getresponse().read()
        finally:
            conn.close()

    with within(2 + MARGIN_S), pytest.raises(TimeoutError):
        exchange()


@pytest.mark.slow
def test_promote_against_a_trickling_registry_ends_at_its_timeout(
    trickle: TrickleServer, tmp_path: Path
) -> None:
    project = make_project(tmp_path, "trickle")
    evidence = write_evidence_for(project, baseline_version=None)
    env = {"MLFLOW_TRACKING_URI": trickle.url}
    with within(10 + CLI_MARGIN_S):
        done = run_cli(
            "promote", str(project.policy), "--evidence", str(evidence), "--timeout", "10",
            cwd=tmp_path, env=env, timeout=240,
        )  # fmt: skip
    line = _one_line_exit_2(done)
    assert "timed out (--timeout 10 s)" in line


def test_github_post_against_a_trickle_ends_at_the_deadline(trickle: TrickleServer) -> None:
    settings = ClientSettings(token="ghs_" + "T" * 36, api_url=trickle.url, deadline_s=4)
    context = GitHubContext(repository="acme/fraud", sha=SHA, pr_number=7, run_id="1")
    with within(4 + MARGIN_S), pytest.raises(GitHubError) as caught:
        publish(full_report(), context=context, settings=settings)
    assert "the 4 s deadline passed" in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1


def test_check_comment_against_a_trickling_github_ends_at_its_timeout(
    trickle: TrickleServer, tmp_path: Path
) -> None:
    """The global --timeout bounds the PR comment too (it used to be the client's fixed 120 s)."""
    policy = basic_project(tmp_path, [{"type": "size", "max_mb": 5}])
    env = {
        "GITHUB_TOKEN": "ghs_" + "T" * 36,
        "GITHUB_API_URL": trickle.url,
        "GITHUB_REPOSITORY": "acme/fraud",
        "GITHUB_SHA": SHA,
        "GITHUB_REF": "refs/pull/7/merge",
    }
    with within(5 + CLI_MARGIN_S):
        done = run_cli(
            "--timeout", "5", "check", str(policy), "--comment", cwd=tmp_path, env=env, timeout=240
        )
    line = _one_line_exit_2(done)
    assert "5 s deadline passed" in line


@pytest.mark.slow
def test_kubernetes_status_against_a_trickling_api_server(
    trickle: TrickleServer, tmp_path: Path
) -> None:
    canary = {"target": "kubernetes", "kubernetes": {"image": "ghcr.io/a/m:1", "namespace": "ml"}}
    policy = basic_project(tmp_path, [{"type": "size", "max_mb": 5}], deploy={"canary": canary})
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", {"slow": (trickle.url, "t0ken")})
    env = {"KUBECONFIG": str(kubeconfig)}
    with within(5 + CLI_MARGIN_S):
        done = run_cli(
            "deploy", str(policy), "--status", "--timeout", "5", cwd=tmp_path, env=env, timeout=240
        )
    line = _one_line_exit_2(done)
    assert "within 5 s" in line


def test_a_canary_probe_of_a_trickle_ends_at_its_timeout(
    trickle: TrickleServer, tmp_path: Path
) -> None:
    with within(2 + MARGIN_S):
        assert get_json(trickle.url, "/ready", timeout=2) == (0, None)
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        router = Process("router", idle, trickle.url, tmp_path / "router.log", "/-/health")
        with within(3 + MARGIN_S), pytest.raises(DeployError, match="not ready within 3 s"):
            wait_ready([router], timeout=3)
    finally:
        idle.kill()
        idle.wait(timeout=10)


def test_the_router_and_the_traffic_give_up_on_a_trickle(trickle: TrickleServer) -> None:
    backend = Backend("stable", trickle.url, timeout=2)
    with within(2 + MARGIN_S):
        reply = backend.send("POST", "/predict", b"{}")
    assert reply.failed
    assert reply.status == 502
    replayer = TrafficReplayer(trickle.url, [{"rows": [{"x": 1}]}], threads=1, timeout=2).start()
    with within(3 + MARGIN_S):
        time.sleep(0.5)
        counts = replayer.stop()
    assert counts.failed >= 1
