"""Nothing that can run code is opened without `trust: pickle` (issue 14, item 1).

Every hostile file here runs its payload when its format's loader opens it (`hostile.py`; the
`.pt2` one through `torch.export.load`, which unpickled it during `build` before). Each place a
model is accepted — build source, model, baseline, equivalence source — refuses it with one line,
and the payload's marker never appears. Registry URIs: `test_registry_untrusted.py`.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
import yaml
from sklearn.linear_model import LogisticRegression

from mlops_gate.api import build
from mlops_gate.errors import InputError
from mlops_gate.gates import equivalence
from mlops_gate.loaders.models import load_model
from mlops_gate.policy.model import ModelRef
from tests.integration.artifacts.helpers import NUMERIC, project
from tests.integration.artifacts.hostile import ALL_NAMES, write_hostile
from tests.support import load_context, run_cli

pytestmark = pytest.mark.integration

CODE_NAMES = tuple(name for name in ALL_NAMES if not name.endswith(".skops"))


@pytest.fixture(autouse=True)
def _no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_GATE_ENGINE", "none")


def _source(policy: Path, path: str, trust: str | None) -> Path:
    document = yaml.safe_load(policy.read_text(encoding="utf-8"))
    document["artifacts"]["source"] = {"path": path, **({"trust": trust} if trust else {})}
    policy.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return policy


def _refused(call: Callable[[], object], marker: Path, *phrases: str) -> str:
    with pytest.raises(InputError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message
    for phrase in phrases:
        assert phrase in message
    assert not marker.exists(), "the payload ran"
    return message


@pytest.mark.parametrize("name", CODE_NAMES)
def test_build_refuses_a_code_running_source_without_trust(name: str, tmp_path: Path) -> None:
    marker = tmp_path / "RAN"
    policy = _source(project(tmp_path, LogisticRegression(), NUMERIC, n=200), name, None)
    write_hostile(tmp_path / name, marker)
    message = _refused(
        lambda: build(policy, tmp_path / "dist"), marker, "refusing to", "`trust: pickle`"
    )
    assert message.startswith(str(tmp_path / name))
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("trust", [None, "pickle"])
def test_a_raw_pickle_named_skops_is_refused_even_trusted(
    trust: str | None, tmp_path: Path
) -> None:
    marker = tmp_path / "RAN"
    policy = _source(project(tmp_path, LogisticRegression(), NUMERIC, n=200), "model.skops", trust)
    write_hostile(tmp_path / "model.skops", marker)
    _refused(lambda: build(policy, tmp_path / "dist"), marker, "not a skops file")


@pytest.mark.parametrize("name", ALL_NAMES)
def test_model_and_baseline_files_are_refused_unopened(name: str, tmp_path: Path) -> None:
    marker = tmp_path / "RAN"
    path = write_hostile(tmp_path / name, marker)
    expected = "unsupported model format" if name.endswith(".skops") else "refusing to"
    _refused(lambda: load_model(path, ModelRef(path=name), "classification"), marker, expected)


def test_equivalence_sources_are_refused_unopened(tmp_path: Path) -> None:
    policy = project(tmp_path, LogisticRegression(), NUMERIC, n=200)
    build(policy, tmp_path / "dist")
    context = load_context(policy)
    for name in CODE_NAMES:
        marker = tmp_path / f"RAN-{name}"
        write_hostile(tmp_path / name, marker)
        config = equivalence.Config(type="equivalence", source=equivalence.SourceRef(path=name))
        _refused(partial(equivalence.evaluate, config, context), marker, "refusing to")


def test_cli_build_and_check_exit_2_with_one_line(tmp_path: Path) -> None:
    marker = tmp_path / "RAN"
    policy = _source(project(tmp_path, LogisticRegression(), NUMERIC, n=200), "model.pt2", None)
    write_hostile(tmp_path / "model.pt2", marker)
    done = run_cli("build", str(policy), "--out", str(tmp_path / "dist"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert "refusing to load an untrusted torch model" in done.stderr
    assert not marker.exists()

    document = yaml.safe_load(policy.read_text(encoding="utf-8"))
    document["model"]["path"] = "model.pth"
    write_hostile(tmp_path / "model.pth", marker)
    policy.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    done = run_cli("check", str(policy), "--evidence", str(tmp_path / "e.json"), cwd=tmp_path)
    assert done.returncode == 2
    assert "refusing to load an untrusted torch model" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert not marker.exists()


TRAINING_SCRIPTS = {
    "model.pt": """
        import sys, torch
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = torch.nn.Linear(4, 2)
            def forward(self, x):
                return self.linear(x)
        torch.save(Net(), sys.argv[1])
    """,
    "model.joblib": """
        import sys, joblib
        from sklearn.linear_model import LogisticRegression
        class Tuned(LogisticRegression):
            pass
        joblib.dump(Tuned(), sys.argv[1])
    """,
}


@pytest.mark.parametrize("name", sorted(TRAINING_SCRIPTS))
def test_a_class_from_the_training_scripts_main_says_how_to_fix_it(
    name: str, tmp_path: Path
) -> None:
    script = textwrap.dedent(TRAINING_SCRIPTS[name])
    subprocess.run([sys.executable, "-c", script, str(tmp_path / name)], check=True, timeout=120)
    policy = _source(project(tmp_path, LogisticRegression(), NUMERIC, n=200), name, "pickle")
    _refused(
        lambda: build(policy, tmp_path / "dist"),
        tmp_path / "never",
        "is defined in the training script's __main__: move it into an importable module",
    )
