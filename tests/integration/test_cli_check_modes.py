"""`check --select`, `--exit-zero`, `--output-format`, `--sarif`, the help, and `.mlops-gate/.gitignore`
(issue 17, items 3 and 5), through the real command line."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.actions_files import parse_command
from tests.support import basic_project, run_cli

pytestmark = pytest.mark.integration

GATES = [
    {"type": "size", "max_mb": 5},
    {"type": "metric", "metric": "accuracy", "min": 0.99},  # fails: the model scores ~0.92
    {"type": "drift", "max": 5.0},
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("modes")
    basic_project(folder, GATES, n=300)
    return folder


def _line_of(project: Path, text: str) -> int:
    """The line of the policy (1-based) where the gate item holding `text` starts."""
    lines = (project / "mlops-gate.yaml").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(f"- {text}"))


def _check(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("check", "mlops-gate.yaml", "--record", "off", "--no-cache", *args, cwd=project)


def test_exit_zero_reports_everything_exits_0_and_writes_no_evidence(project: Path) -> None:
    evidence = project / "advisory-evidence.json"
    done = _check(project, "--exit-zero", "--json", "r.json", "--evidence", str(evidence))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "metric:accuracy" in done.stdout
    assert "fail" in done.stdout
    assert "note: advisory run (--exit-zero)" in done.stdout
    assert done.stdout.strip().splitlines()[-1].endswith("(exit 0)")
    results = json.loads((project / "r.json").read_text(encoding="utf-8"))
    assert (results["verdict"], results["exit_code"], results["advisory"]) == ("fail", 1, True)
    assert not evidence.exists()  # an advisory run never lets promote pass


def test_exit_zero_does_not_hide_an_invalid_policy(project: Path) -> None:
    (project / "broken.yaml").write_text("version: 1\nname: x\ngates: [{type: size}]\n", "utf-8")
    done = run_cli("check", "broken.yaml", "--exit-zero", cwd=project)
    assert done.returncode == 2
    assert "max_mb" in done.stderr


def test_select_runs_only_the_named_gates_at_their_policy_lines(project: Path) -> None:
    evidence = project / "selected-evidence.json"
    done = _check(
        project, "-k", "size", "--select", "drift", "--json", "s.json", "--evidence", str(evidence)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((project / "s.json").read_text(encoding="utf-8"))
    assert [g["id"] for g in results["gates"]] == ["size", "drift"]
    lines = [_line_of(project, "type: size"), _line_of(project, "type: drift")]
    assert [g["policy_line"] for g in results["gates"]] == lines  # lines in the whole file
    assert results["selected"] == ["size", "drift"]
    assert "note: only the selected gates ran (--select)" in done.stdout
    assert not evidence.exists()


def test_an_unknown_selector_exits_2_listing_the_ids(project: Path) -> None:
    done = _check(project, "--select", "metric:acuracy")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: --select 'metric:acuracy' matches no gate of mlops-gate.yaml; did you mean "
        "'metric:accuracy'?; gate ids: size, metric:accuracy, drift; gate types: drift, metric, size"
    )


def test_output_format_github_prints_workflow_commands(project: Path) -> None:
    done = _check(project, "--output-format", "github")
    assert done.returncode == 1
    commands = [c for c in map(parse_command, done.stdout.splitlines()) if c is not None]
    assert len(commands) == 1
    name, properties, message = commands[0]
    assert (name, properties["file"], properties["line"]) == (
        "error",
        "mlops-gate.yaml",
        str(_line_of(project, "type: metric")),
    )
    assert message.startswith("metric:accuracy: value 0.9")
    assert "┃" not in done.stdout  # no table


def test_output_format_sarif_keeps_stdout_one_sarif_log(project: Path) -> None:
    done = _check(project, "--output-format", "sarif", "--sarif", "out.sarif")
    assert done.returncode == 1
    log = json.loads(done.stdout)  # nothing else on stdout
    assert log == json.loads((project / "out.sarif").read_text(encoding="utf-8"))
    (result,) = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": _line_of(project, "type: metric")
    }
    assert "(exit 1)" in done.stderr


def test_a_broken_policy_is_a_sarif_log_of_its_problems(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "version: 1\nname: x\ngates:\n  - {type: size, max_mbb: 3}\n", encoding="utf-8"
    )
    done = run_cli(
        "check", "p.yaml", "--output-format", "sarif", "--sarif", "p.sarif", cwd=tmp_path
    )
    assert done.returncode == 2
    log = json.loads(done.stdout)
    assert log == json.loads((tmp_path / "p.sarif").read_text(encoding="utf-8"))
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "mlops-gate/policy"
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 4,
        "startColumn": 18,
    }
    assert "did you mean 'max_mb'?" in result["message"]["text"]
    assert "error: p.yaml:4:18:" in done.stderr


def test_help_lists_commands_in_workflow_order_with_whole_descriptions() -> None:
    done = run_cli("--help")
    lines = done.stdout.split("Commands:", 1)[1].strip().splitlines()
    names = [line.split()[0] for line in lines]
    assert names == [
        "init",
        "validate",
        "check",
        "build",
        "promote",
        "deploy",
        "run",
        "report",
        "history",
        "schema",
    ]
    assert not any(line.rstrip().endswith(("...", "(e.g.")) for line in lines)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_add_after_a_check_stages_nothing_under_the_state_folder(tmp_path: Path) -> None:
    basic_project(tmp_path, GATES[:1], n=200)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    done = run_cli("check", "--record", "off", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / ".mlops-gate" / "evidence.json").is_file()
    assert (tmp_path / ".mlops-gate" / ".gitignore").read_text(encoding="utf-8").endswith("\n*\n")
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    staged = subprocess.run(
        ["git", "diff", "--cached", "--name-only"],
        cwd=tmp_path,
        check=True,
        text=True,
        capture_output=True,
    ).stdout.split()
    assert "mlops-gate.yaml" in staged
    assert not [name for name in staged if name.startswith(".mlops-gate")]


def test_report_of_an_advisory_result_says_so_and_prints_names_safely(project: Path) -> None:
    done = _check(project, "--exit-zero", "--json", "adv.json")
    assert done.returncode == 0
    data = json.loads((project / "adv.json").read_text(encoding="utf-8"))
    data["policy"]["name"] = "evil\x1b[2J[red]x[/red]\n::error::forged"
    (project / "adv.json").write_text(json.dumps(data), encoding="utf-8")
    shown = run_cli("report", "adv.json", cwd=project)
    assert shown.returncode == 0  # an advisory result stays advisory when re-rendered
    *notes, last = shown.stdout.strip().splitlines()
    assert notes == [
        "note: advisory run (--exit-zero): exit 0 whatever the verdict; no evidence for promote"
    ]
    assert last == "fail evil\\x1b[2J[red]x[/red]\\n::error::forged (exit 0)"
