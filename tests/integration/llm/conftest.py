"""A real OpenAI-compatible server process on 127.0.0.1 (the example's local test model), and
small generation projects that point at it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops_gate import trust
from tests.support import REPO

EXAMPLE = REPO / "examples" / "support-answers"
START_TIMEOUT_S = 20


@dataclass(frozen=True)
class LocalLLM:
    """The running server: its base URL (…/v1) and the number of chat calls it served."""

    url: str

    def calls(self) -> int:
        with urllib.request.urlopen(f"{self.url}/stats", timeout=5) as response:
            return int(json.load(response)["requests"])


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start local_llm.py on a free port; its URL once it listens (bounded in time)."""
    port_file = folder / "port"
    process = subprocess.Popen(
        [
            sys.executable,
            str(EXAMPLE / "local_llm.py"),
            "--port",
            "0",
            "--port-file",
            str(port_file),
            "--memory",
            str(EXAMPLE / "eval" / "eval.jsonl"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while not (port_file.is_file() and port_file.read_text()):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(process)
            raise RuntimeError("the local LLM server did not start")
        time.sleep(0.05)
    return process, f"http://127.0.0.1:{port_file.read_text()}/v1"


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def local_llm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalLLM]:
    process, url = start_server(tmp_path_factory.mktemp("local-llm"))
    try:
        yield LocalLLM(url)
    finally:
        stop_server(process)


@pytest.fixture(autouse=True)
def key_file(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This machine's key, outside the project (as ~/.cache is outside the work tree)."""
    path = tmp_path_factory.mktemp("home") / "cache.key"
    monkeypatch.setenv(trust.KEY_ENV, str(path))
    return path


def copy_example(target: Path) -> Path:
    """The example's files (data, prompts, rubric, policies) in a fresh folder."""
    for name in ("eval", "prompts", "rubrics"):
        shutil.copytree(EXAMPLE / name, target / name)
    for name in ("mlops-gate.yaml", "mlops-gate.failing.yaml"):
        shutil.copy(EXAMPLE / name, target / name)
    return target


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def outputs_policy(folder: Path, gates: list[dict[str, Any]], **extra: Any) -> Path:
    """A policy over `outputs.jsonl` (pre-generated outputs) and `eval.jsonl` in `folder`."""
    document: dict[str, Any] = {
        "version": 1,
        "name": "outputs-policy",
        "model": {"task": "generation", "outputs": "outputs.jsonl"},
        "data": {"eval": "eval.jsonl"},
        "gates": gates,
        **extra,
    }
    path = folder / "mlops-gate.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path
