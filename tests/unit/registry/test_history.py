"""History entries and which version a rollback restores (issue #4, item 4)."""

from __future__ import annotations

import pytest

from mlops_gate.registry.history import Move, new_move, rollback_source


def move(seq: int, action: str, before: str | None, after: str, state: str = "done") -> Move:
    return Move(seq, action, before, after, state, "2026-01-01T00:00:00+00:00", "ci@runner", "why")  # type: ignore[arg-type]


def test_moves_round_trip_through_their_tag_value() -> None:
    original = Move(
        3,
        "promote",
        "1",
        "2",
        "done",
        "2026-01-01T00:00:00+00:00",
        "ci@runner",
        "check passed",
        evidence_sha256="ab" * 32,
        model_sha256="cd" * 32,
        git_sha="f00",
        ci_run=None,
    )
    assert Move.from_json(original.to_json()) == original


@pytest.mark.parametrize("text", ["", "[]", "{bad", '{"seq": 1}', "42"])
def test_foreign_tag_values_are_ignored(text: str) -> None:
    assert Move.from_json(text) is None


def test_rollback_walks_back_through_promotions_not_rollbacks() -> None:
    moves = [
        move(1, "promote", None, "1"),
        move(2, "promote", "1", "2"),
        move(3, "promote", "2", "3"),
    ]
    first = rollback_source(moves, "3")
    assert first is not None
    assert first.from_version == "2"
    moves.append(move(4, "rollback", "3", "2"))
    second = rollback_source(moves, "2")
    assert second is not None
    assert second.from_version == "1"  # not back to 3
    moves.append(move(5, "rollback", "2", "1"))
    third = rollback_source(moves, "1")
    assert third is not None
    assert third.from_version is None  # the first promotion: nothing before it


def test_pending_and_aborted_moves_do_not_count_for_rollback() -> None:
    moves = [move(1, "promote", None, "1"), move(2, "promote", "1", "2", state="aborted")]
    assert rollback_source(moves, "2") is None


def test_new_move_is_pending_numbered_and_stamped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/fraud")
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    made = new_move(
        [move(7, "promote", None, "1")],
        "promote",
        "1",
        "2",
        "check passed",
        evidence_sha256="e" * 64,
    )
    assert (made.seq, made.state, made.from_version, made.to_version) == (8, "pending", "1", "2")
    assert made.by.startswith("octocat@")
    assert made.ci_run == "https://github.com/acme/fraud/actions/runs/42"
    assert made.line().startswith(f"#8 {made.at} promote 1 -> 2 [pending] by octocat@")
    assert made.line().endswith(f"evidence {'e' * 12}: check passed")
