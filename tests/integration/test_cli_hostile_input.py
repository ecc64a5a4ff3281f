"""Hostile input through the real CLI (issue 13, items 4 and 6): exit 2 with one line naming the
file, never a traceback or exit 3, and in bounded time (each run has a subprocess timeout).

Before: a policy of nested aliases ran past 60 s at 4 GB, a recursive anchor or an unknown tag was
exit 3, a model linked to /dev/zero was read for 7.7 GB, a FIFO blocked forever, and an output path
that was a directory (or `.mlops-gate` a file) was exit 3.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import basic_project, run_cli

pytestmark = pytest.mark.integration

TIMEOUT = 60  # seconds; a run that reads /dev/zero or waits on a FIFO never ends
ACCURACY = {"type": "metric", "metric": "accuracy", "min": 0.5}
HEAD = "version: 1\nname: hostile\ngates:\n  - {type: size, max_mb: 1}\n"
TAG_MESSAGE = "a policy holds only mappings, lists, strings, numbers, booleans and null"


def _run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = run_cli(*args, cwd=cwd, env=env, timeout=TIMEOUT)
    assert "Traceback" not in done.stdout + done.stderr
    assert "internal error" not in done.stdout + done.stderr
    return done


@contextlib.contextmanager
def _at_most(seconds: float) -> Iterator[None]:
    """An in-process call that regresses (hashes /dev/zero forever) fails instead of hanging."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _laughs() -> str:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    return HEAD + "\n".join(lines) + "\n"


HOSTILE_POLICIES = {
    "billion laughs": (
        _laughs(),
        "10:10: alias '*l4' expands the policy to more than 100000 values",
    ),
    "recursive anchor": (
        HEAD + "x: &x [*x]\n",
        "5:8: recursive alias '*x': it refers to a node that contains it",
    ),
    "recursive merge": (
        HEAD + "x: &x {<<: *x}\n",
        "5:12: recursive alias '*x': it refers to a node that contains it",
    ),
    "python tag": (
        HEAD.replace("name: hostile", "name: !!python/object/apply:os.system [touch PWNED]"),
        f"2:7: unsupported YAML tag '!!python/object/apply:os.system': {TAG_MESSAGE}",
    ),
    "local tag": (HEAD + "x: !foo 1\n", f"5:4: unsupported YAML tag '!foo': {TAG_MESSAGE}"),
    "bad date": (
        HEAD + "x: 2024-13-45\n",
        "5:4: not a valid !!timestamp value: month must be in 1..12",
    ),
    "deep nesting": (HEAD + "x: " + "[" * 5000 + "]" * 5000 + "\n", "5:"),
    "over 1 MiB": (
        HEAD + "#" * (1 << 20) + "\n",
        "1:1: the policy file is over 1 MiB: a policy is short",
    ),
}


@pytest.mark.parametrize("command", ["validate", "check"])
@pytest.mark.parametrize("case", sorted(HOSTILE_POLICIES))
def test_hostile_policy_is_one_policy_error(tmp_path: Path, command: str, case: str) -> None:
    text, expected = HOSTILE_POLICIES[case]
    policy = tmp_path / "mlops-gate.yaml"
    policy.write_text(text, encoding="utf-8")
    done = _run(command, str(policy), cwd=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"error: {policy}:{expected}")
    assert not (tmp_path / "PWNED").exists()


NOT_REGULAR = {
    "symlink to /dev/zero": "a device",
    "FIFO": "a FIFO (named pipe)",
    "directory": "a directory",
}


def _make(path: Path, case: str) -> str:
    """Put the non-regular file `case` names at `path`; how the error describes it."""
    path.unlink(missing_ok=True)
    if case == "FIFO":
        os.mkfifo(path)
    elif case == "directory":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    return NOT_REGULAR[case]


@pytest.mark.parametrize("case", sorted(NOT_REGULAR))
def test_a_policy_that_is_not_a_regular_file(tmp_path: Path, case: str) -> None:
    policy = tmp_path / "mlops-gate.yaml"
    kind = _make(policy, case)
    done = _run("check", str(policy), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {policy}: policy file is {kind}, expected a regular file"
    ]


def _undecided_naming(done: subprocess.CompletedProcess[str], reason: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "COULD NOT DECIDE" in done.stdout
    assert [line for line in done.stdout.splitlines() if reason in line] == [
        f"error metric:accuracy: {reason}"
    ]


@pytest.mark.parametrize("case", sorted(NOT_REGULAR))
def test_a_model_that_is_not_a_regular_file(tmp_path: Path, case: str) -> None:
    policy = basic_project(tmp_path, [ACCURACY], n=300)
    model = tmp_path / "model.onnx"
    kind = _make(model, case)
    done = _run("check", str(policy), "--evidence", str(tmp_path / "ev.json"), cwd=tmp_path)
    _undecided_naming(done, f"{model}: model file is {kind}, expected a regular file")


@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize("case", sorted(NOT_REGULAR))
def test_data_that_is_not_a_regular_file(tmp_path: Path, case: str, streamed: bool) -> None:
    """Both readers: the whole-table one and the streaming Parquet one (`ParquetSource`)."""
    policy = basic_project(tmp_path, [ACCURACY], n=300)
    data = tmp_path / "eval.parquet"
    kind = _make(data, case)
    env = {"MLOPS_GATE_STREAM_BYTES": "0" if streamed else str(1 << 40)}
    done = _run(
        "check", str(policy), "--evidence", str(tmp_path / "ev.json"), cwd=tmp_path, env=env
    )
    _undecided_naming(done, f"{data}: data file is {kind}, expected a regular file")


@pytest.mark.parametrize("case", sorted(NOT_REGULAR))
def test_a_suite_that_is_not_a_regular_file(tmp_path: Path, case: str) -> None:
    policy = basic_project(tmp_path, [{"type": "expectations", "suite": "suite.json"}], n=300)
    suite = tmp_path / "suite.json"
    kind = _make(suite, case)
    done = _run("check", str(policy), "--evidence", str(tmp_path / "ev.json"), cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{suite}: suite file is {kind}, expected a regular file" in done.stdout


def test_an_onnx_file_over_protobufs_limit_is_refused_unread(tmp_path: Path) -> None:
    """Sparse: 2 GiB + 1 of nothing on disk. `check_readable` refuses it from its size alone."""
    from mlops_gate.errors import InputError
    from mlops_gate.loaders.files import check_readable

    model = tmp_path / "big.onnx"
    with model.open("wb") as handle:
        handle.truncate(2**31)
    with pytest.raises(InputError) as caught:
        check_readable(model, "model file")
    assert str(caught.value) == (
        f"{model}: model file is {2**31} bytes, over protobuf's 2 GiB limit for an ONNX file"
    )


def test_hashing_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    """Evidence and cache hashes go through the same check; the error is still an OSError for
    the callers that skip an unreadable file (the result cache)."""
    from mlops_gate.errors import InputError
    from mlops_gate.fsutil import sha256_file

    zero = tmp_path / "zero"
    zero.symlink_to("/dev/zero")
    with (
        _at_most(TIMEOUT),
        pytest.raises(InputError, match="file is a device, expected a regular file") as caught,
    ):
        sha256_file(zero)
    assert isinstance(caught.value, OSError)


OUTPUTS = ["--json", "--junit", "--markdown", "--html", "--evidence"]


@pytest.mark.parametrize("option", OUTPUTS)
def test_an_output_path_that_is_a_directory(tmp_path: Path, option: str) -> None:
    policy = basic_project(tmp_path, [ACCURACY], n=300)
    out = tmp_path / "out"
    out.mkdir()
    extra = [] if option == "--evidence" else ["--evidence", str(tmp_path / "ev.json")]
    done = _run("check", str(policy), option, str(out), *extra, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: {out}: cannot write: it is a directory"]


@pytest.mark.parametrize("option", OUTPUTS)
def test_an_output_path_under_a_file(tmp_path: Path, option: str) -> None:
    policy = basic_project(tmp_path, [ACCURACY], n=300)
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    target = blocker / "sub" / "report"
    extra = [] if option == "--evidence" else ["--evidence", str(tmp_path / "ev.json")]
    done = _run("check", str(policy), option, str(target), *extra, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {target}: cannot write: {blocker} is not a directory"
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_an_output_path_in_a_read_only_folder(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [ACCURACY], n=300)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    done = _run("check", str(policy), "--json", str(locked / "r.json"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {locked / 'r.json'}: cannot write: Permission denied"
    ]


def test_state_folder_that_is_a_file(tmp_path: Path) -> None:
    """`.mlops-gate` a file: the result cache is skipped, the evidence file cannot be written."""
    policy = basic_project(tmp_path, [ACCURACY], n=300)
    (tmp_path / ".mlops-gate").write_text("not a folder", encoding="utf-8")
    done = _run("check", str(policy), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: .mlops-gate/evidence.json: cannot write: .mlops-gate is not a directory"
    ]


def test_init_into_a_folder_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "conf").write_text("x", encoding="utf-8")
    done = _run("init", "conf/mlops-gate.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: conf/mlops-gate.yaml: cannot write: conf is not a directory"
    ]
