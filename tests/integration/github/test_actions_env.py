"""Inside GitHub Actions: job summary, step outputs and annotations, with and without a post."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from mlops_gate.commands.delivery import deliver
from tests.actions_files import read_outputs
from tests.integration.github.conftest import PR, READ_ONLY_TOKEN, actions_env
from tests.integration.github.fake_github import FakeGitHub
from tests.report_samples import SHA, full_report, passing_report

pytestmark = pytest.mark.integration


def test_check_in_actions_with_comment_writes_everything(
    github: FakeGitHub, tmp_path: Path
) -> None:
    env = actions_env(github, tmp_path)
    report = replace(full_report(), policy_path=str(tmp_path / "mlops-gate.yaml"))
    stdout = io.StringIO()
    done = deliver(report, comment=True, report_path="out/report.html", env=env, stream=stdout)
    assert done.exit_code == 1
    assert done.errors == ()
    assert done.comment_url is not None
    assert len(github.comments_on(PR)) == 1
    (run,) = github.state.check_runs.values()
    assert run["head_sha"] == SHA  # the PR head from the event, not GITHUB_SHA (the merge commit)
    assert read_outputs(tmp_path / "output.txt") == {
        "verdict": "fail",
        "exit-code": "1",
        "report": "out/report.html",
    }
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "| gate | value | threshold | champion | Δ | verdict |" in summary
    assert "https://github.com/acme/fraud/actions/runs/42#artifacts" in summary
    assert "<!-- mlops-gate" not in summary  # the hidden marker belongs to the PR comment only
    commands = stdout.getvalue().splitlines()
    assert commands == [
        "::error file=mlops-gate.yaml,title=mlops-gate drift%3A fail,line=18::"
        "drift: value 0.3100, threshold ≤ 0.2000: PSI 0.31 on amount",
        "::warning file=mlops-gate.yaml,title=mlops-gate bias%3Asex%3A warn,line=15::"
        "bias:sex: value 0.0450, threshold ≤ 0.0500: selection rates differ by 0.045",
    ]


def test_a_failed_post_makes_a_pass_exit_2_and_says_why(github: FakeGitHub, tmp_path: Path) -> None:
    env = actions_env(github, tmp_path, token=READ_ONLY_TOKEN)
    done = deliver(passing_report(), comment=True, env=env, stream=io.StringIO())
    assert done.exit_code == 2
    (error,) = done.errors
    assert error.startswith("GitHub: could not create the sticky comment: HTTP 403")
    assert READ_ONLY_TOKEN not in error
    assert read_outputs(tmp_path / "output.txt")["exit-code"] == "2"
    assert read_outputs(tmp_path / "output.txt")["verdict"] == "pass"  # the verdict is untouched


def test_a_failed_post_leaves_a_failing_gate_at_1(github: FakeGitHub, tmp_path: Path) -> None:
    env = actions_env(github, tmp_path, token=READ_ONLY_TOKEN)
    done = deliver(full_report(), comment=True, env=env, stream=io.StringIO())
    assert done.exit_code == 1
    assert len(done.errors) == 1


def test_without_comment_nothing_is_posted_but_actions_files_are_written(
    github: FakeGitHub, tmp_path: Path
) -> None:
    env = actions_env(github, tmp_path)
    done = deliver(passing_report(), env=env, stream=io.StringIO())
    assert done.exit_code == 0
    assert github.state.requests == []
    assert read_outputs(tmp_path / "output.txt")["verdict"] == "pass"
    assert "✅ PASS" in (tmp_path / "summary.md").read_text(encoding="utf-8")


def test_outside_actions_no_file_and_no_command(tmp_path: Path) -> None:
    stdout = io.StringIO()
    env = {"GITHUB_OUTPUT": str(tmp_path / "out.txt")}
    done = deliver(full_report(), env=env, stream=stdout)
    assert done.exit_code == 1
    assert stdout.getvalue() == ""
    assert not (tmp_path / "out.txt").exists()


def test_event_file_names_the_pull_request(github: FakeGitHub, tmp_path: Path) -> None:
    env = actions_env(github, tmp_path, pr=99)
    env["GITHUB_REF"] = "refs/heads/feature"  # only the event file says which PR
    deliver(passing_report(), comment=True, env=env, stream=io.StringIO())
    assert len(github.comments_on(99)) == 1
    assert json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text())["pull_request"]["number"] == 99
    assert re.search(r"issues/99/comments", " ".join(p for _, p, _ in github.state.requests))
