"""The call cache: the content hash, complete answers only, and nothing believed that this
machine did not seal (a pull request can commit files under .mlops-gate/)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlops_gate import trust
from mlops_gate.llm.cache import CallCache, request_key
from mlops_gate.llm.client import Completion, Connection

MESSAGES = [{"role": "user", "content": "Q?"}]


@pytest.fixture(autouse=True)
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home" / "cache.key"
    monkeypatch.setenv(trust.KEY_ENV, str(path))
    return path


def test_the_key_is_the_request_not_the_token() -> None:
    plain = Connection(endpoint="http://h/v1", model="m", params={"temperature": 0})
    assert request_key(plain, MESSAGES) == request_key(
        Connection("http://h/v1", "m", {"temperature": 0}, token="t"), MESSAGES
    )
    for other in (
        Connection("http://h/v1", "m", {"temperature": 1}),
        Connection("http://h/v1", "m2", {"temperature": 0}),
        Connection("http://other/v1", "m", {"temperature": 0}),
    ):
        assert request_key(other, MESSAGES) != request_key(plain, MESSAGES)
    assert request_key(plain, [{"role": "user", "content": "Q!"}]) != request_key(plain, MESSAGES)


def test_complete_answers_are_kept_incomplete_ones_never(tmp_path: Path) -> None:
    cache = CallCache(tmp_path / "llm")
    cache.store("k1", Completion("full", "stop", 3, 1))
    cache.store("k2", Completion("cut", "length", 3, 256))
    cache.store("k3", Completion("filtered", "content_filter"))
    assert cache.load("k1") == Completion("full", "stop", 3, 1)
    assert cache.load("k2") is None
    assert cache.load("k3") is None
    assert sorted(p.name for p in (tmp_path / "llm").iterdir()) == ["k1.json"]


def test_a_planted_or_tampered_entry_is_deleted_not_believed(tmp_path: Path) -> None:
    cache = CallCache(tmp_path / "llm")
    cache.store("k1", Completion("real", "stop"))
    entry = json.loads((tmp_path / "llm" / "k1.json").read_text())
    entry["answer"]["text"] = "planted great answer"
    (tmp_path / "llm" / "k1.json").write_text(json.dumps(entry))
    (tmp_path / "llm" / "k2.json").write_text(
        json.dumps({"schema": 1, "key": "k2", "answer": {"text": "x"}})
    )
    assert cache.load("k1") is None
    assert cache.load("k2") is None
    assert list((tmp_path / "llm").iterdir()) == []


def test_a_fifo_in_the_cache_does_not_hang(tmp_path: Path) -> None:
    (tmp_path / "llm").mkdir()
    os.mkfifo(tmp_path / "llm" / "k1.json")
    assert CallCache(tmp_path / "llm").load("k1") is None


def test_off_stores_nothing(tmp_path: Path) -> None:
    cache = CallCache(None)
    cache.store("k1", Completion("x", "stop"))
    assert cache.load("k1") is None
