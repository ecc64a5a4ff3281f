"""No secret in any output, on any exit path (issue 13, item 6): a tracking URI with a password,
an MLflow token and a GitHub token, against registries and GitHub that are unreachable, that
refuse and echo the credentials back, or that MLflow cannot use at all.

Before the fix an `ftp://user:password@host` URI (or one whose driver is not installed, or that
does not parse) printed a traceback holding the password and exited 1 or 3; now each is one
line, exit 2. Every run's stdout and stderr, every file under `.mlops-gate/` and every report
file are searched for the secrets, the Basic credentials made from them included.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mlops_gate.registry.redact import display_uri, redact, redact_known, uri_secrets
from tests.integration.github.conftest import actions_env
from tests.integration.github.conftest import github as github  # the fixture
from tests.integration.github.fake_github import FakeGitHub
from tests.integration.mlflow_server import free_port
from tests.integration.serving_thread import serving
from tests.unit.registry.support import make_project, write_evidence_for

pytestmark = pytest.mark.integration
PASSWORD = "pw-" + uuid.uuid4().hex
MLFLOW_TOKEN = "mt-" + uuid.uuid4().hex
GITHUB_TOKEN = "ghs_" + uuid.uuid4().hex + "Zz"  # a token the fake GitHub does not know: 401
BASIC = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
SECRETS = (PASSWORD, MLFLOW_TOKEN, GITHUB_TOKEN, BASIC)
REPORTS = ("results.json", "report.xml", "report.md", "report.html")


class _Refusing(BaseHTTPRequestHandler):
    """A registry that refuses every request and echoes its credentials back in the error."""

    def _refuse(self) -> None:
        header = self.headers.get("Authorization", "")
        decoded = base64.b64decode(header.split()[-1]).decode() if "Basic" in header else ""
        message = f"denied {self.path} for {header} ({decoded})"
        body = json.dumps({"error_code": "PERMISSION_DENIED", "message": message}).encode()
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_DELETE = _refuse

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def refusing() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    server.daemon_threads = True
    with serving(server):
        yield f"127.0.0.1:{server.server_address[1]}"


def _uris(refusing: str) -> dict[str, str]:
    credentials = f"alice:{PASSWORD}"
    return {
        "unreachable": f"http://{credentials}@127.0.0.1:{free_port()}",
        "refusing": f"http://{credentials}@{refusing}",
        "unsupported scheme": f"ftp://{credentials}@127.0.0.1/x",
        "driver not installed": f"postgresql://{credentials}@127.0.0.1:{free_port()}/x",
        "does not parse": f"http://{credentials}@[::1/x",
    }


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def _scan(root: Path, runs: list[tuple[str, str, str]]) -> list[str]:
    found = []
    for what, stdout, stderr in runs:
        found += [f"{what} stdout: {s}" for s in _leaks(stdout)]
        found += [f"{what} stderr: {s}" for s in _leaks(stderr)]
    files = [p for p in (root / ".mlops-gate").rglob("*") if p.is_file()]
    files += [root / name for name in REPORTS if (root / name).is_file()]
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        found += [f"{path.relative_to(root)}: {s}" for s in _leaks(text)]
    return found


def test_uri_passwords_are_known_secrets_even_where_a_library_repeats_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"databricks://alice:{PASSWORD}@h")
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    said = f"run 'databricks secrets put-secret alice {PASSWORD}@h-host' with {GITHUB_TOKEN}"
    assert redact(said) == "run 'databricks secrets put-secret alice ***@h-host' with ***"
    assert redact_known(said) == redact(said)
    assert uri_secrets(f"http://a:{PASSWORD}@[::1") == [PASSWORD]  # does not parse: still found
    assert sorted(uri_secrets("http://a:p%40ss-word@h")) == ["p%40ss-word", "p@ss-word"]
    assert uri_secrets("http://host/x") == []
    assert display_uri(f"ftp://alice:{PASSWORD}@h/x") == "ftp://***@h/x"


def test_redact_known_does_not_guess() -> None:
    assert redact_known("the token expired; basic authentication failed") == (
        "the token expired; basic authentication failed"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "case",
    ["unreachable", "refusing", "unsupported scheme", "driver not installed", "does not parse"],
)
def test_no_secret_in_any_output(
    case: str, refusing: str, github: FakeGitHub, tmp_path: Path
) -> None:
    from tests.support import run_cli

    github.state.echo_token_on_401 = True  # a refused token is echoed back in the answer
    project = make_project(tmp_path, f"secret-{uuid.uuid4().hex[:8]}")
    write_evidence_for(project, baseline_version=None)  # for promote, until check rewrites it
    env = {
        **actions_env(github, tmp_path, token=GITHUB_TOKEN),
        "MLFLOW_TRACKING_URI": _uris(refusing)[case],
        "MLFLOW_TRACKING_TOKEN": MLFLOW_TOKEN,
    }
    if case == "unreachable":
        env["GITHUB_API_URL"] = f"http://127.0.0.1:{free_port()}/api/v3"
    reports = ["--json", "results.json", "--junit", "report.xml"]
    reports += ["--markdown", "report.md", "--html", "report.html"]
    commands = {
        "check": ["check", str(project.policy), *reports, "--comment"],
        "promote": ["promote", str(project.policy)],
        "history": ["history", str(project.policy)],
    }
    runs = []
    for name, args in commands.items():
        # Unreachable hosts are retried until the deadline: a short one keeps the test short.
        deadline = "6" if case == "unreachable" else "20"
        done = run_cli("--timeout", deadline, *args, cwd=tmp_path, env=env, timeout=120)
        assert done.returncode == 2, f"{name}: {done.stdout}{done.stderr}"
        assert "Traceback" not in done.stderr, done.stderr
        assert "internal error" not in done.stderr, done.stderr
        assert "registry " in done.stderr, f"{name}: {done.stderr}"  # it says what failed
        runs.append((name, done.stdout, done.stderr))
    assert _scan(tmp_path, runs) == []
    assert "alice:***@" not in "".join(out + err for _, out, err in runs)  # userinfo masked whole
