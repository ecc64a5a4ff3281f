"""A column named to forge GitHub Actions commands and to take over the terminal reaches every
sink only escaped for it (issue 13, item 5): the terminal and `error:` lines, the `::error`
annotations, the job summary, JUnit, Markdown and the PR comment.

Before the fix the name's newline put `::error file=x::pwned` at the start of a line of the
check's output (a forged annotation; `::stop-commands::` would switch the tool's own off), and
the escape sequence and the right-to-left override reached the terminal, the annotations and
JUnit raw (JUnit could not even be parsed).
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pytest
import yaml

from tests.integration.github.conftest import PR, actions_env
from tests.integration.github.conftest import github as github  # the fixture
from tests.integration.github.fake_github import FakeGitHub
from tests.support import binary_frame, run_cli, train_onnx, write_policy, write_table

pytestmark = [pytest.mark.integration, pytest.mark.slow]
BAD = "a\n::error file=x::pwned\x1b[31m\u202e"
SHOWN = "::error file=x::pwned\\x1b[31m\\u202e"  # how the terminal and JUnit show it
RAW = ("\x1b", "\u202e")
OURS = ("::error file=mlops-gate.yaml,", "::warning file=mlops-gate.yaml,")


def _project(root: Path) -> Path:
    """A model, data whose BAD column drifted, and a drift gate on that column (it fails)."""
    rng = np.random.default_rng(0)
    train, current = binary_frame(400, seed=1), binary_frame(400, seed=2)
    train_onnx(train, root / "model.onnx")
    train[BAD] = rng.normal(size=len(train))
    current[BAD] = rng.normal(size=len(current)) + 3.0
    write_table(train, root / "reference.parquet")
    write_table(current, root / "eval.parquet")
    policy = {
        "version": 1,
        "name": "escaping",
        "model": {"path": "model.onnx", "task": "classification"},
        "data": {
            "eval": "eval.parquet",
            "reference": "reference.parquet",
            "target": "label",
            "ignore": ["id", "group"],
        },
        "gates": [{"type": "drift", "method": "psi", "max": 0.2, "columns": [BAD]}],
    }
    return write_policy(root, policy)


def _clean(text: str, where: str) -> None:
    """No raw control or bidi character, and no line that is not ours but starts a command."""
    for char in RAW:
        assert char not in text, f"{where}: raw {char!r}"
    for line in text.splitlines():
        assert not line.lstrip().startswith("::") or line.startswith(OURS), f"{where}: {line!r}"


def test_a_hostile_column_name_is_escaped_in_every_sink(github: FakeGitHub, tmp_path: Path) -> None:
    policy = _project(tmp_path)
    env = actions_env(github, tmp_path)
    outputs = ["--junit", "report.xml", "--markdown", "report.md"]
    done = run_cli("check", str(policy), *outputs, "--comment", cwd=tmp_path, env=env)

    assert done.returncode == 1, done.stdout + done.stderr
    _clean(done.stdout, "stdout")
    _clean(done.stderr, "stderr")
    message_line = next(line for line in done.stdout.splitlines() if line.startswith("fail "))
    assert message_line.endswith(f"on a\\n{SHOWN} (> 0.2); 1 of 1 columns above max 0.2")
    (annotation,) = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert f"on a%0A{SHOWN}" in annotation

    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    _clean(summary, "job summary")
    assert "pwned" in summary
    _clean((tmp_path / "report.md").read_text(encoding="utf-8"), "Markdown")
    (comment,) = github.comments_on(PR)
    _clean(comment["body"], "PR comment")
    assert "pwned" in comment["body"]

    junit = (tmp_path / "report.xml").read_text(encoding="utf-8")
    _clean(junit, "JUnit")
    failure = ET.fromstring(junit).find("testsuite/testcase/failure")  # parses: valid XML 1.0
    assert failure is not None
    assert SHOWN in failure.get("message", "")
    assert failure.text is not None
    assert "\n" not in failure.text


def test_error_lines_show_a_hostile_key_escaped(tmp_path: Path) -> None:
    policy = _project(tmp_path)
    document = yaml.safe_load(policy.read_text(encoding="utf-8"))
    document["data"]["eval"] = f"missing{BAD}.parquet"
    policy.write_text(yaml.safe_dump(document), encoding="utf-8")

    done = run_cli("validate", str(policy), cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})

    assert done.returncode == 2
    _clean(done.stdout + done.stderr, "validate")
    assert all(line.startswith("error: ") for line in done.stderr.splitlines())
    assert SHOWN in done.stderr
