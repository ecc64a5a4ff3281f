"""The router's pure parts: answer agreement and its stats window; the state file protocol."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlops_gate.deploy.local import state
from mlops_gate.deploy.local.errors import DeployError
from mlops_gate.deploy.local.forward import Reply, agreement
from mlops_gate.deploy.local.traffic import read_request_file
from mlops_gate.deploy.local.window import RouterStats


def _answer(**body: object) -> bytes:
    return json.dumps(body).encode()


def test_labels_agree_row_by_row() -> None:
    assert agreement(_answer(labels=[0, 1, 1]), _answer(labels=[0, 0, 1])) == (3, 2)


def test_regression_predictions_agree_within_a_relative_tolerance() -> None:
    first, second = _answer(predictions=[1.0, 2.0]), _answer(predictions=[1.0000001, 2.5])
    assert agreement(first, second) == (2, 1)


@pytest.mark.parametrize(
    "second", [b"not json", _answer(labels=[0]), _answer(detail="x"), b"[1, 2]"]
)
def test_answers_that_cannot_be_compared_count_nothing(second: bytes) -> None:
    assert agreement(_answer(labels=[0, 1]), second) == (0, 0)


def test_window_counts_per_backend_and_resets_per_step() -> None:
    stats = RouterStats()
    stats.client_request()
    stats.backend_call("canary", Reply("canary", 500, b"", "text/plain", 2.0))
    stats.backend_call("stable", Reply("stable", 200, b"", "application/json", 3.0))
    stats.client_answer(Reply("stable", 200, b"", "application/json", 3.0))
    window = stats.snapshot(rows=False)["window"]
    assert window["backends"]["canary"] | {"latency_ms": None} == {
        "requests": 1,
        "errors": 1,
        "latency_ms": None,
        "statuses": {"500": 1},
    }
    assert window["backends"]["canary"]["latency_ms"] == []  # failures are not timed
    assert window["backends"]["stable"]["latency_ms"] == [3.0]
    assert window["client"]["by_stable"] == 1
    assert stats.reset(50, "canary") == 1
    snapshot = stats.snapshot(rows=False)
    assert snapshot["window"]["client"]["requests"] == 0
    assert snapshot["total"]["answered"] == 1


def test_canary_rows_stay_aligned_when_columns_differ() -> None:
    stats = RouterStats()
    stats.canary_rows([{"a": 1}, {"a": 2, "b": "x"}, {"b": "y"}])
    rows = stats.snapshot(rows=True)["window"]["canary_rows"]
    assert rows == {"a": [1, 2, None], "b": [None, "x", "y"]}
    assert stats.snapshot(rows=False)["window"]["canary_rows"] == {}


def test_request_file_takes_bodies_and_bare_rows(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_text('{"rows": [{"a": 1}, {"a": 2}]}\n\n{"a": 3}\n', encoding="utf-8")
    assert read_request_file(path) == [{"rows": [{"a": 1}, {"a": 2}]}, {"rows": [{"a": 3}]}]
    path.write_text('{"a": 1}\n[1]\n', encoding="utf-8")
    with pytest.raises(DeployError, match=r"requests\.jsonl:2: expected a JSON object, got list"):
        read_request_file(path)


def test_status_of_a_dead_canary_says_it_is_not_alive(tmp_path: Path) -> None:
    state.write_state(tmp_path, {"pid": 2**22 + 12345, "status": "running"})
    status = state.read_status(tmp_path)
    assert status["alive"] is False
    with pytest.raises(DeployError, match="no running canary to abort"):
        state.request_control(tmp_path, "abort")
    state.claim(tmp_path)  # a dead canary does not hold the state dir


def test_status_lines_of_a_dead_canary(tmp_path: Path) -> None:
    from mlops_gate.deploy.local.display import status_lines

    step = {"index": 0, "weight": 10, "verdict": "pass", "duration_s": 5.0, "message": "fine"}
    document = {"pid": 2**22 + 12345, "status": "running", "steps": [10, 100], "step": 1}
    state.write_state(tmp_path, {**document, "weight": 100, "results": [step]})
    assert status_lines(tmp_path) == [
        f"local canary: dead (its process {2**22 + 12345} is gone; last state below); "
        "step 2/2 at 100%; 0 sent, 0 lost",
        "  step 1 (10%): pass after 5.0 s: fine",
    ]


def test_a_live_canary_holds_the_state_dir(tmp_path: Path) -> None:
    state.write_state(tmp_path, {"pid": os.getpid(), "status": "running"})
    with pytest.raises(DeployError, match=rf"already running \(pid {os.getpid()}\)"):
        state.claim(tmp_path)


def test_a_control_request_is_taken_once(tmp_path: Path) -> None:
    assert state.take_control(tmp_path) is None
    (tmp_path / state.CONTROL_FILE).write_text('{"action": "abort", "id": "x"}', encoding="utf-8")
    assert state.take_control(tmp_path) == {"action": "abort", "id": "x"}
    assert state.take_control(tmp_path) is None
    with pytest.raises(DeployError, match="unknown canary action 'pause'"):
        state.request_control(tmp_path, "pause")


def test_no_state_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match=r"canary\.json: no local canary state"):
        state.read_status(tmp_path)
