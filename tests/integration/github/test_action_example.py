"""The composite action and the pre-commit hook, run as written on the example policy as written
(issue 14, item 4): a passing model passes, and what the outputs say is what the step exits with.

The action's own steps run in a simulated runner (tests/unit/github/composite.py) against the
fake GitHub server: its setup-python is a fresh venv of this interpreter's version (no
`--system-site-packages`) put first on PATH, and its install step then runs as written: `pip
install` of a copy of this checkout with the extras the action computes, so MLflow is not there.
Such a venv costs a minute or two to fill, so it is kept between sessions beside pytest's
temporary folders, keyed by pyproject.toml, action.yml (or the hooks file) and the Python version;
each session still runs the install step into it, which reinstalls the package from the copy.
The hook's environment is made as pre-commit makes it (`python -mpip install . <additional
dependencies>` in the hook repository) and its `entry` run with the policy as `args`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.integration.github.conftest import BOT, BOT_TOKEN, PR, REPOSITORY, actions_env
from tests.integration.github.fake_github import FakeGitHub
from tests.integration.serving_thread import serving
from tests.support import REPO, run_cli
from tests.unit.github.composite import ActionRun, Runner, Used, run_action

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EXAMPLE = REPO / "examples" / "credit-risk"
HOOKS = REPO / ".pre-commit-hooks.yaml"
NO_MLFLOW = "the model registry needs MLflow: pip install 'mlops-gate[registry]'"
INPUTS = {"policy": "mlops-gate.yaml", "working-directory": "examples/credit-risk"}
# The action installs before it posts: a first install fills a venv for minutes, past the fake
# server's usual 120 s lifetime.
ACTION_LIFETIME_S = 1200.0
ARTIFACT_ID = "4242"  # what upload-artifact gives as its `artifact-id` output


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """The fake GitHub for a whole run of the action (the conftest's, with a longer life)."""
    server = FakeGitHub()
    server.add_token(BOT_TOKEN, BOT)
    with serving(server, lifetime_s=ACTION_LIFETIME_S):
        yield server


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository holding the example as `make example-models example-build` leaves it."""
    root = tmp_path_factory.mktemp("workspace")
    example = root / "examples" / "credit-risk"
    shutil.copytree(EXAMPLE, example, ignore=shutil.ignore_patterns("data", "models", "dist"))
    for script, out in (("make_data.py", "data"), ("train.py", "models")):
        extra = ["--data", str(example / "data")] if script == "train.py" else []
        done = subprocess.run(
            [sys.executable, str(example / script), *extra, "--out", str(example / out)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    policy = str(example / "mlops-gate.yaml")
    built = run_cli("build", policy, "--out", str(example / "dist"), "--no-image", cwd=root)
    assert built.returncode == 0, built.stdout + built.stderr
    return root


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The action's repository as a checkout has it: tracked and unignored files, no build."""
    root = tmp_path_factory.mktemp("action") / "mlops-gate"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    )
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    return root


@contextlib.contextmanager
def kept_venv(factory: pytest.TempPathFactory, kind: str, *keyed_by: Path) -> Iterator[Path]:
    """A venv kept between sessions while `keyed_by` and the Python version are unchanged;
    held under a lock, so that two sessions never install into it at once."""
    base = factory.getbasetemp()  # pytest-of-<user>/pytest-<n>[/popen-gw<i> under xdist]
    kept = next((p for p in base.parents if p.name.startswith("pytest-of-")), base)
    root = kept / "mlops-gate-venvs"
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(sys.version.encode())
    for path in keyed_by:
        digest.update(path.read_bytes())
    venv = root / f"{kind}-{digest.hexdigest()[:16]}"
    with (root / f"{kind}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / "bin" / "python").exists():
            for stale in root.glob(f"{kind}-*"):
                shutil.rmtree(stale, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        yield venv


@pytest.fixture(scope="module")
def runner_python(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with kept_venv(
        tmp_path_factory, "action", REPO / "pyproject.toml", REPO / "action.yml"
    ) as venv:
        yield venv


@pytest.fixture(scope="module")
def hook_python(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with kept_venv(tmp_path_factory, "hook", REPO / "pyproject.toml", HOOKS) as venv:
        yield venv


def job_env(python: Path) -> dict[str, str]:
    """This machine's environment (its pip settings included) without this test's venv, Actions'
    variables or a tracking URI; `python`'s venv first on PATH."""
    dropped = ("GITHUB_", "RUNNER_", "MLFLOW_", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    ours = str(Path(sys.prefix) / "bin")
    path = [item for item in env.get("PATH", "").split(os.pathsep) if item and item != ours]
    env["PATH"] = os.pathsep.join([str(python / "bin"), *path])
    return {**env, "NO_COLOR": "1", "COLUMNS": "200"}


def run_in_runner(
    github: FakeGitHub, workspace: Path, checkout: Path, python: Path, tmp_path: Path, **given: str
) -> ActionRun:
    env = {**job_env(python), **actions_env(github, tmp_path)}
    env.update({"GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(tmp_path / "temp")})
    event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    uploaded = tmp_path / "artifacts"

    def setup_python(_: dict[str, str]) -> Used:
        return Used({"PATH": env["PATH"]})  # the venv is first on it already

    def upload(spec: dict[str, str]) -> Used:
        if not Path(spec["path"]).is_dir():
            return Used()
        shutil.copytree(spec["path"], uploaded / spec["name"])
        return Used(outputs={"artifact-id": ARTIFACT_ID})

    runner = Runner(
        env,
        workspace,
        tmp_path / "temp",
        action_path=checkout,
        event=event,
        uses={"actions/setup-python": setup_python, "actions/upload-artifact": upload},
    )
    return run_action(runner, {**INPUTS, **given})


def has_mlflow(python: Path) -> bool:
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('mlflow') is None)"
    return (
        subprocess.run([str(python / "bin" / "python"), "-c", probe], check=False).returncode == 0
    )


def test_the_action_passes_a_passing_model_without_mlflow_and_says_it_did_not_record(
    github: FakeGitHub, workspace: Path, checkout: Path, runner_python: Path, tmp_path: Path
) -> None:
    done = run_in_runner(github, workspace, checkout, runner_python, tmp_path)
    log = done.stdout() + done.stderr()
    assert done.step("Install mlops-gate").conclusion == "success", log
    assert not has_mlflow(runner_python)  # installed as the action installs: cpu,github
    gate = done.step("Gate the model")
    assert done.exit_code == 0, log
    assert not done.failed, log
    report = str(tmp_path / "temp" / "mlops-gate" / "report.html")
    assert done.outputs == {"verdict": "pass", "exit-code": "0", "report": report}
    assert gate.outputs["exit-code"] == gate.outputs["code"] == "0"  # the tool's and the shell's
    said = [line for line in gate.stderr.splitlines() if "record" in line]
    assert said == [f"warning: did not record the run (--record auto): {NO_MLFLOW}"]
    assert "PASS credit-risk" in gate.stdout
    assert "(exit 0)" in gate.stdout
    assert "PASS · mlops-gate · credit" in gate.summary  # the job summary
    assert (tmp_path / "artifacts" / "mlops-gate-report" / "report.html").is_file()
    # Posted once, after the upload: the comment and the check run link the artifact itself.
    link = f"https://github.com/{REPOSITORY}/actions/runs/42/artifacts/{ARTIFACT_ID}"
    (comment,) = github.comments_on(PR)
    assert f"[Full HTML report]({link})" in comment["body"]
    (run,) = github.state.check_runs.values()
    assert link in run["output"]["summary"]
    assert done.step("Post the report").conclusion == "success"
    assert "posted: " in done.step("Post the report").stderr


def test_the_action_with_record_required_exits_2_and_its_outputs_say_2(
    github: FakeGitHub, workspace: Path, checkout: Path, runner_python: Path, tmp_path: Path
) -> None:
    done = run_in_runner(github, workspace, checkout, runner_python, tmp_path, record="required")
    log = done.stdout() + done.stderr()
    gate = done.step("Gate the model")
    assert done.exit_code == 2, log
    assert done.outputs["exit-code"] == "2"
    assert done.outputs["verdict"] == "pass"  # the gates' verdict; the exit code is the command's
    assert gate.outputs["exit-code"] == gate.outputs["code"] == "2"
    said = [line for line in gate.stderr.splitlines() if "record" in line]
    assert said == [f"error: could not record the run (--record required): {NO_MLFLOW}"]
    assert "(exit 2)" in gate.stdout


def test_a_passing_model_whose_report_cannot_be_posted_exits_2(
    github: FakeGitHub, workspace: Path, checkout: Path, runner_python: Path, tmp_path: Path
) -> None:
    """The post is its own step now (after the upload); a refused post still turns a pass into 2,
    as `check --comment` did, and the action's outputs say 2."""
    github.fail_next("POST", f"/repos/{REPOSITORY}/issues/{PR}/comments", 422, times=10)
    done = run_in_runner(github, workspace, checkout, runner_python, tmp_path, record="off")
    log = done.stdout() + done.stderr()
    assert done.step("Gate the model").outputs["code"] == "0", log
    post = done.step("Post the report")
    assert "::error title=mlops-gate::the gates passed but the report could not be posted" in (
        post.stdout
    ), log
    assert done.exit_code == 2, log
    assert done.outputs["exit-code"] == "2"
    assert done.outputs["verdict"] == "pass"


def test_the_pre_commit_hook_passes_the_example_policy(
    workspace: Path, checkout: Path, hook_python: Path
) -> None:
    hook = {item["id"]: item for item in yaml.safe_load(HOOKS.read_text())}["mlops-gate"]
    env = job_env(hook_python)
    install = ["python", "-mpip", "install", ".", *hook.get("additional_dependencies", [])]
    installed = subprocess.run(
        install, cwd=checkout, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert not has_mlflow(hook_python)
    policy = "examples/credit-risk/mlops-gate.yaml"
    command = [*shlex.split(hook["entry"]), *hook.get("args", []), policy]
    done = subprocess.run(
        command, cwd=workspace, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS credit-risk" in done.stdout
    assert (
        "record" not in done.stderr
    )  # a commit is not a run to record: the hook says --record off
