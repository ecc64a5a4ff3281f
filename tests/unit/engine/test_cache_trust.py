"""Cached results are verified, not believed (issue 13, item 1): an entry counts only with this
machine's MAC (`trust.py`, key outside the work tree) and only for today's input digests."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from mlops_gate import trust
from mlops_gate.engine.cache import PURPOSE, GateCache
from mlops_gate.gates.registry import load_policy
from mlops_gate.results import GateResult, Verdict
from tests.support import write_policy


@pytest.fixture
def key_file(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh key, outside the project folder (as ~/.cache is outside the work tree)."""
    path = tmp_path_factory.mktemp("home") / "mlops-gate" / "cache.key"
    monkeypatch.setenv(trust.KEY_ENV, str(path))
    return path


def _cache(tmp_path: Path) -> GateCache:
    (tmp_path / "model.bin").write_bytes(b"\0" * 1000)  # the size gate reads only its bytes
    policy = {
        "version": 1,
        "name": "t",
        "model": {"path": "model.bin"},
        "gates": [{"type": "size", "max_mb": 1}],
    }
    return GateCache(load_policy(write_policy(tmp_path, policy)), tmp_path / "cache")


def _passing() -> GateResult:
    return GateResult(id="size", type="size", verdict=Verdict.PASS, value=0.001, threshold=1.0)


def test_the_key_is_created_once_private_and_outside_the_tree(key_file: Path) -> None:
    key = trust.machine_key()
    assert key is not None
    assert len(key) == trust.KEY_BYTES
    assert key_file.read_bytes() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert trust.machine_key() == key
    assert [p.name for p in key_file.parent.iterdir()] == ["cache.key"]  # no temporary left


def test_the_default_key_lives_in_the_user_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(trust.KEY_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/var/cache/someone")
    assert trust.key_path() == Path("/var/cache/someone/mlops-gate/cache.key")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/in/the/tree")  # ignored, as the spec says
    assert trust.key_path() == Path.home() / ".cache" / "mlops-gate" / "cache.key"


def test_seal_and_unseal(key_file: Path) -> None:
    key = trust.machine_key()
    assert key is not None
    sealed = trust.seal(key, "p", {"b": (1, 2), "a": {3: 1.5}})
    assert trust.unseal(key, "p", json.loads(json.dumps(sealed))) == {"b": [1, 2], "a": {"3": 1.5}}
    assert trust.unseal(key, "other purpose", sealed) is None
    assert trust.unseal(b"k" * 32, "p", sealed) is None
    assert trust.unseal(key, "p", {**sealed, "b": [1, 3]}) is None
    assert trust.unseal(key, "p", {k: v for k, v in sealed.items() if k != "mac"}) is None
    assert trust.unseal(key, "p", ["not", "an", "object"]) is None


def test_a_genuine_entry_hits(tmp_path: Path, key_file: Path) -> None:
    cache = _cache(tmp_path)
    key = cache.key(0)
    assert key is not None
    cache.store(key, _passing())
    again = _cache(tmp_path)
    assert again.key(0) == key
    hit = again.load(key)
    assert hit is not None
    assert hit.verdict is Verdict.PASS


@pytest.mark.parametrize("mac", [None, "0" * 64, "not hex"])
def test_a_forged_entry_is_not_believed_and_is_deleted(
    tmp_path: Path, key_file: Path, mac: str | None
) -> None:
    cache = _cache(tmp_path)
    key = cache.key(0)
    assert key is not None
    inputs = cache._digests[key]  # what an attacker can compute too
    entry = {"schema": 2, "key": key, "inputs": inputs, "result": _passing().to_json()}
    if mac is not None:
        entry["mac"] = mac
    path = tmp_path / "cache" / f"{key}.json"
    path.parent.mkdir()
    path.write_text(json.dumps(entry), encoding="utf-8")
    assert cache.load(key) is None
    assert not path.exists()


def test_an_entry_sealed_by_another_machine_is_not_believed(
    tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = _cache(tmp_path)
    key = cache.key(0)
    assert key is not None
    cache.store(key, _passing())
    monkeypatch.setenv(trust.KEY_ENV, str(key_file.parent / "other.key"))
    other = _cache(tmp_path)
    assert other.key(0) == key
    assert other.load(key) is None
    assert not (tmp_path / "cache" / f"{key}.json").exists()


def test_an_entry_whose_recorded_digests_are_not_todays_is_a_miss(
    tmp_path: Path, key_file: Path
) -> None:
    cache = _cache(tmp_path)
    key = cache.key(0)
    secret = trust.machine_key()
    assert key is not None
    assert secret is not None
    stale = {**cache._digests[key], "model": "0" * 64}
    entry = {"schema": 2, "key": key, "inputs": stale, "result": _passing().to_json()}
    path = tmp_path / "cache" / f"{key}.json"
    path.parent.mkdir()
    path.write_text(json.dumps(trust.seal(secret, PURPOSE, entry)), encoding="utf-8")
    assert cache.load(key) is None
    assert not path.exists()


def test_without_a_usable_key_caching_is_off_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("", encoding="utf-8")  # its "children" cannot be created, even by root
    monkeypatch.setenv(trust.KEY_ENV, str(blocker / "mlops-gate" / "cache.key"))
    caches = [_cache(tmp_path) for _ in range(3)]
    assert [cache.key(0) for cache in caches] == [None, None, None]
    caches[0].store("k", _passing())
    assert not (tmp_path / "cache").exists()
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("warning: cannot use the cache key ")
    assert "the result cache is off" in err


def test_a_key_of_the_wrong_size_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    short = tmp_path / "short.key"
    short.write_bytes(b"")
    monkeypatch.setenv(trust.KEY_ENV, str(short))
    assert trust.machine_key() is None
    assert "is not a 32-byte key" in capsys.readouterr().err
