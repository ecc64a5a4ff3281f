"""`mlops-gate run --comment` in a pull_request job (what the action's `command: run` does): the
check's sticky comment and check run are posted, then the later stages go on; a post that fails
stops the run before anything ships."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.integration.github.conftest import PR, READ_ONLY_TOKEN, actions_env
from tests.integration.github.fake_github import FakeGitHub
from tests.support import basic_project, run_cli

pytestmark = pytest.mark.integration

GATES = [{"type": "metric", "metric": "accuracy", "min": 0.7}]


def test_run_posts_the_comment_and_goes_on(github: FakeGitHub, tmp_path: Path) -> None:
    policy = basic_project(tmp_path, GATES, n=400)
    done = run_cli("run", str(policy), "--comment", cwd=tmp_path, env=actions_env(github, tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(github.comments_on(PR)) == 1
    assert len(github.state.check_runs) == 1
    assert re.search(r"^check +done ", done.stdout, re.MULTILINE), done.stdout
    assert "| gate |" in (tmp_path / "summary.md").read_text(encoding="utf-8")


def test_a_failed_post_stops_the_run(github: FakeGitHub, tmp_path: Path) -> None:
    policy = basic_project(tmp_path, GATES, n=400)
    env = actions_env(github, tmp_path, token=READ_ONLY_TOKEN)
    done = run_cli("run", str(policy), "--comment", cwd=tmp_path, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert re.search(r"^check +error .*HTTP 403", done.stdout, re.MULTILINE), done.stdout
    assert re.search(r"^promote +not run", done.stdout, re.MULTILINE), done.stdout
