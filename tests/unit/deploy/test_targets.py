"""Deploy targets behind one protocol and one dict (issue 9): every registered name resolves to a
`DeployTarget`, the registry costs nothing at start-up, the policy's Literal lists the same names,
and a new target is dispatched by registering it alone."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import pytest

from mlops_gate.commands import deploy as command
from mlops_gate.deploy import targets
from mlops_gate.deploy.outcome import DeployOutcome
from mlops_gate.deploy.targets import DeployTarget, deploy_target, target_names
from mlops_gate.errors import InputError
from mlops_gate.gates.registry import load_policy
from mlops_gate.policy.deploy import CanarySpec
from mlops_gate.policy.loader import LoadedPolicy
from tests.support import REPO, run_cli
from tests.unit.deploy import fake_target

FAKE = "tests.unit.deploy.fake_target:FakeTarget"
HEAVY = ("mlflow", "kubernetes", "pandas", "onnxruntime", "github", "yaml")
PROBE = """
import sys
import mlops_gate.deploy.targets as targets
def loaded():
    return ",".join(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r}
                           or m.startswith("mlops_gate.deploy.targets.")))
print("IMPORT=" + loaded())
for name in targets.target_names():
    targets.deploy_target(name)
print("RESOLVE=" + ",".join(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})))
"""
POLICY = """\
version: 1
name: fake-policy
model: {path: model.onnx, task: classification}
data: {eval: eval.parquet, target: label}
gates:
  - {type: size, max_mb: 5}
deploy:
  canary: {target: local, steps: [10, 100]}
"""


@pytest.fixture
def loaded(tmp_path: Path) -> LoadedPolicy:
    path = tmp_path / "mlops-gate.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path, env={})


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, targets.CanaryRef]]:
    monkeypatch.setitem(targets.DEPLOY_TARGETS, "fake", FAKE)
    fake_target.CALLS.clear()
    return fake_target.CALLS


@pytest.mark.parametrize("name", target_names())
def test_every_registered_name_is_a_deploy_target(name: str) -> None:
    target = deploy_target(name)
    assert isinstance(target, DeployTarget)
    assert target.dry_run_renders is None or target.dry_run_renders.strip()


def test_only_kubernetes_renders_on_dry_run() -> None:
    renders = {name: deploy_target(name).dry_run_renders for name in target_names()}
    assert renders == {"local": None, "kubernetes": "Kubernetes manifests", "github": None}


def test_unknown_target_lists_the_valid_names() -> None:
    with pytest.raises(InputError) as caught:
        deploy_target("helm")
    assert (
        str(caught.value)
        == "unknown deploy target 'helm': must be one of local, kubernetes, github"
    )


def test_a_registered_object_that_is_not_a_target_is_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        targets.DEPLOY_TARGETS, "broken", "tests.unit.deploy.fake_target:NotATarget"
    )
    with pytest.raises(TypeError, match="is not a DeployTarget"):
        deploy_target("broken")


def test_the_policy_literal_lists_the_registered_targets() -> None:
    literal = CanarySpec.model_fields["target"].annotation
    assert typing.get_args(literal) == target_names()


def test_the_registry_imports_no_target_and_nothing_heavy() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert lines == {"IMPORT": "", "RESOLVE": ""}


def test_a_registered_fake_target_gets_status_and_control(
    loaded: LoadedPolicy, fake: list[tuple[str, targets.CanaryRef]], tmp_path: Path
) -> None:
    evidence = tmp_path / ".mlops-gate" / "evidence.json"
    assert command.status(loaded, evidence, target="fake", timeout=5.0) == [
        "fake canary of fake-policy at 10%"
    ]
    assert command.control(loaded, "abort", evidence, target="fake", timeout=5.0) == (
        "fake canary: aborted"
    )
    assert command.control(loaded, "promote-now", evidence, target="fake", timeout=5.0) == (
        "fake canary: promoted"
    )
    assert [action for action, _ in fake] == ["status", "abort", "promote-now"]
    canary = fake[0][1]
    assert (canary.loaded, canary.spec.steps, canary.timeout) == (loaded, [10, 100], 5.0)
    assert canary.state_dir == tmp_path / ".mlops-gate" / "canary"


def test_an_unknown_action_is_refused_before_any_target_runs(
    loaded: LoadedPolicy, fake: list[tuple[str, targets.CanaryRef]], tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="unknown canary action 'pause': must be one of abort"):
        command.control(loaded, "pause", tmp_path / "evidence.json", target="fake", timeout=5.0)
    assert fake == []


def test_dry_run_is_refused_from_the_registry_before_the_gate(
    loaded: LoadedPolicy, fake: list[tuple[str, targets.CanaryRef]], tmp_path: Path
) -> None:
    missing = tmp_path / "no-evidence.json"  # the gate would say "evidence file not found"
    with pytest.raises(InputError) as caught:
        command.deploy(loaded, missing, target="fake", dry_run=True, timeout=5.0)
    assert str(caught.value) == (
        "--dry-run renders Kubernetes manifests: use it with --target kubernetes"
    )
    with pytest.raises(InputError) as caught:
        command.deploy(loaded, missing, target="kubernetes", out=tmp_path / "k8s", timeout=5.0)
    assert str(caught.value) == "--out is where --dry-run writes the manifests: add --dry-run"


def test_the_policy_target_is_used_without_target(loaded: LoadedPolicy, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"--dry-run renders .* --target kubernetes"):
        command.deploy(loaded, tmp_path / "evidence.json", dry_run=True, timeout=5.0)


def test_summary_is_the_line_the_target_names() -> None:
    assert (
        DeployOutcome("github", "created", 0, ["created", "handed over"]).summary == "handed over"
    )
    assert DeployOutcome("local", "promoted", 0, ["held", "requests"], summary_index=0).summary == (
        "held"
    )
    assert DeployOutcome("local", "error", 2).summary == "error"


def test_the_cli_lists_the_registered_targets(tmp_path: Path) -> None:
    done = run_cli("deploy", "mlops-gate.yaml", "--target", "helm", cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--target must be one of local, kubernetes, github, not 'helm'" in done.stderr
    help_text = run_cli("deploy", "--help", cwd=tmp_path).stdout
    assert "One of local, kubernetes, github" in " ".join(help_text.split())
