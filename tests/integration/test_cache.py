"""The gate result cache (issue #8 item 3): reuse only while nothing a gate read has changed;
and (issue 13) never believe an entry or a recorded-run marker a pull request could have written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_gate import api, trust
from mlops_gate.engine.cache import CACHE_SCHEMA, DEFAULT_DIR, PURPOSE, GateCache
from mlops_gate.gates.registry import load_policy
from mlops_gate.report import CheckReport
from tests.integration.mlflow_server import MlflowServer
from tests.support import basic_project, binary_frame, run_cli, write_table

pytestmark = pytest.mark.integration

GATES = [
    {"type": "metric", "metric": "accuracy", "min": 0.5},
    {"type": "size", "max_mb": 1},
    {"type": "drift", "max": 0.2},
    {"type": "latency", "max_ms": 10_000, "runs": 20, "warmup": 2},
    {"type": "latency", "device": "cuda", "max_ms": 10_000, "runs": 20},  # error here: no CUDA
]


@pytest.fixture(autouse=True)
def key_file(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This machine's key, outside the project (as ~/.cache is outside the work tree)."""
    path = tmp_path_factory.mktemp("home") / "cache.key"
    monkeypatch.setenv(trust.KEY_ENV, str(path))
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The policy file of a fresh project; the working directory is its folder."""
    monkeypatch.chdir(tmp_path)  # the cache lives under the working directory's .mlops-gate/
    return basic_project(tmp_path, GATES)


def _check(policy: Path, *, use_cache: bool = True) -> CheckReport:
    return api.check(policy, api.Outputs(evidence=None), use_cache=use_cache)


def _cached(report: CheckReport) -> dict[str, bool]:
    return {gate.id: gate.cached for gate in report.gates}


def test_unchanged_rerun_reuses_every_decided_gate(project: Path) -> None:
    first = _check(project)
    second = _check(project)
    assert not any(_cached(first).values())
    assert _cached(second) == {
        "metric:accuracy": True,
        "size": True,
        "drift": True,
        "latency:cpu:p95": True,
        "latency:cuda:p95": False,  # errors are never stored: the device may appear
    }
    for before, after in zip(first.gates, second.gates, strict=True):
        assert (after.verdict, after.value, after.details) == (
            before.verdict,
            before.value,
            before.details,
        )
    assert second.exit_code == first.exit_code


def test_a_changed_input_reevaluates_only_the_gates_that_read_it(project: Path) -> None:
    _check(project)
    write_table(binary_frame(2000, seed=7), project.parent / "eval.parquet")
    cached = _cached(_check(project))
    assert cached["size"] is True  # reads the model only
    assert cached["metric:accuracy"] is False
    assert cached["drift"] is False
    assert cached["latency:cpu:p95"] is False  # times rows of the eval set


def test_a_changed_gate_setting_is_a_miss(project: Path) -> None:
    _check(project)
    policy = project
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("max_mb: 1", "max_mb: 2"), encoding="utf-8"
    )
    cached = _cached(_check(policy))
    assert cached["size"] is False
    assert cached["drift"] is True


def test_no_cache_evaluates_everything(project: Path) -> None:
    _check(project)
    assert not any(_cached(_check(project, use_cache=False)).values())


def test_a_corrupt_entry_is_ignored_and_rewritten(project: Path) -> None:
    _check(project)
    entries = sorted((project.parent / DEFAULT_DIR).glob("*.json"))
    assert len(entries) == 4
    for entry in entries:
        entry.write_text('{"key": "forged", "result": {"verdict": "pass"}}', encoding="utf-8")
    report = _check(project)
    assert not any(_cached(report).values())  # nothing forged was trusted
    assert [g.verdict.value for g in report.gates][:4] == ["pass", "pass", "pass", "pass"]
    assert all('"forged"' not in entry.read_text(encoding="utf-8") for entry in entries)
    assert all(
        _cached(_check(project))[gate_id] for gate_id in ("metric:accuracy", "size", "drift")
    )


# -- issue 13: the cache lies in the work tree, so a pull request can write it ---------------------
FAILING = [{"type": "metric", "metric": "accuracy", "min": 0.999}, {"type": "size", "max_mb": 1}]


def _forge(policy: Path, mac: str | None) -> list[Path]:
    """What an attacker commits: an entry under the right key saying `pass`, for every gate."""
    cache = GateCache(load_policy(policy))
    forged = []
    for index, gate_id in enumerate(cache.loaded.gate_ids):
        key = cache.key(index)
        assert key is not None
        entry = {
            "schema": CACHE_SCHEMA,
            "key": key,
            # public: the sha256 of files in the PR
            "inputs": cache._input_digests(index, cache.loaded.policy.gates[index]),
            "result": {"id": gate_id, "type": gate_id.split(":")[0], "verdict": "pass"},
        }
        if mac is not None:
            entry["mac"] = mac
        path = policy.parent / DEFAULT_DIR / f"{key}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(entry), encoding="utf-8")
        forged.append(path)
    return forged


@pytest.mark.parametrize("mac", [None, "ab" * 32], ids=["no-mac", "bad-mac"])
def test_a_forged_passing_entry_does_not_pass_a_failing_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mac: str | None
) -> None:
    monkeypatch.chdir(tmp_path)
    policy = basic_project(tmp_path, FAILING, n=400)
    forged = _forge(policy, mac)
    done = run_cli("check", str(policy), cwd=tmp_path)  # as the Action runs it: cache on
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL" in done.stdout
    assert "cached" not in done.stdout
    secret = trust.machine_key()
    assert secret is not None
    for path in (path for path in forged if path.exists()):  # only entries this machine sealed
        assert trust.unseal(secret, PURPOSE, json.loads(path.read_text())) is not None


def test_an_entry_copied_from_another_machine_is_ignored(
    project: Path, monkeypatch: pytest.MonkeyPatch, key_file: Path
) -> None:
    _check(project)  # sealed with this machine's key
    monkeypatch.setenv(trust.KEY_ENV, str(key_file.parent / "other-machine.key"))
    assert not any(_cached(_check(project)).values())
    assert _cached(_check(project))["size"] is True  # re-sealed with the other key: hits again


def test_without_a_usable_key_the_check_runs_uncached_with_one_warning(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [{"type": "size", "max_mb": 1}], n=200)
    blocked = tmp_path / "home-is-a-file"
    blocked.write_text("", encoding="utf-8")
    env = {trust.KEY_ENV: str(blocked / "cache.key")}
    for _ in range(2):
        done = run_cli("check", str(policy), cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "cached" not in done.stdout
        warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1, done.stderr
        assert "the result cache is off" in warnings[0]
    assert not (tmp_path / DEFAULT_DIR).exists()


def test_a_forged_recorded_run_marker_does_not_suppress_recording(
    registry_env: MlflowServer, tmp_path: Path, key_file: Path
) -> None:
    policy = basic_project(
        tmp_path, [{"type": "size", "max_mb": 5}], n=200, promote={"model_name": "forged-marker"}
    )
    env = {"MLFLOW_TRACKING_URI": registry_env.uri, trust.KEY_ENV: str(key_file)}
    first = run_cli("check", str(policy), cwd=tmp_path, env=env)
    assert "recorded run " in first.stdout, first.stdout + first.stderr
    markers = list((tmp_path / ".mlops-gate" / "cache" / "runs").iterdir())
    assert len(markers) == 1
    markers[0].write_text("0123456789abcdef\n", encoding="utf-8")  # the old, unsealed format
    again = run_cli("check", str(policy), cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert "recorded run " in again.stdout
    assert "0123456789abcdef" not in again.stdout
    genuine = run_cli("check", str(policy), cwd=tmp_path, env=env)
    assert "same results as recorded run " in genuine.stdout, genuine.stdout
